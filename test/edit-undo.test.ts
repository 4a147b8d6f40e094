/**
 * The edit log and undo through the HTTP API on a local album (real SQLite stores, the real clusterer,
 * synthetic embeddings): every kind of edit answers with X-Album-Edit-Id, and undoing it puts the whole
 * people/faces state back exactly (every column of people, faces and chosen covers), also from a new
 * process on the same data dir. Later edits on the same people block an undo (409) until undone.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlbumService } from '../src/album/album-service';
import { loadAlbumConfig } from '../src/config/album-config';
import { createApiApp } from '../src/http/api-app';
import { singleLibrary } from '../src/library/album-libraries';
import { clusteringSession } from '../src/local/cluster/clustering-session';
import type { PhotoFolder } from '../src/local/folder/photo-folder';
import { LocalBackend } from '../src/local/local-backend';
import { type Db, openDatabase } from '../src/local/store/database';
import { EditLogStore } from '../src/local/store/edit-log-store';
import { FaceEditsStore } from '../src/local/store/face-edits-store';
import { PeopleStore } from '../src/local/store/people-store';
import { PhotoStore } from '../src/local/store/photo-store';
import { TaskStore } from '../src/local/store/task-store';
import { UnknownFacesStore } from '../src/local/store/unknown-faces-store';
import { createLogger } from '../src/log/logger';
import { EditShape, ErrorShape, PersonShape, pageOf } from './contract/api-shapes';
import { SyntheticAlbum } from './support/synthetic-album';
import { SYNTHETIC_THRESHOLDS, SyntheticIdentities } from './support/synthetic-faces';

const config = loadAlbumConfig({ PHOTO_PREFIX: '' });
const links = {
  photoUrl: (u: string) => `http://127.0.0.1/photo?u=${encodeURIComponent(u)}`,
  posterUrl: (u: string) => `http://127.0.0.1/poster?u=${encodeURIComponent(u)}`,
  faceUrl: (u: string) => `http://127.0.0.1/face?u=${encodeURIComponent(u)}`,
};

/** The API over one connection to the album's SQLite file (a second one = a new process). */
function apiOver(db: Db) {
  const backend = new LocalBackend({
    bucket: 'local',
    folder: {} as PhotoFolder,
    photos: new PhotoStore(db),
    people: new PeopleStore(db, (p) => `oss://local/${p}`),
    tasks: new TaskStore(db),
    edits: new FaceEditsStore(db),
    editLog: new EditLogStore(db),
    unknownFaces: new UnknownFacesStore(db),
    engine: () => Promise.reject(new Error('no engine here')),
    clusterer: clusteringSession(SYNTHETIC_THRESHOLDS),
    isClusterable: () => true,
    concurrency: 1,
  });
  const app = createApiApp({
    libraries: singleLibrary(new AlbumService(backend, links, config)),
    config,
    log: createLogger({ level: 'error' }),
    bucket: 'local',
  });
  return {
    backend,
    async call(method: string, path: string, body?: unknown) {
      const res = await app.request(path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return {
        status: res.status,
        json: (await res.json()) as any,
        editId: res.headers.get('x-album-edit-id'),
      };
    },
  };
}

/** Every row an edit may write: people (all columns; age_sum to 1e-9, a float sum), faces' edit columns, covers. */
function state(db: Db) {
  return {
    people: (db.prepare('SELECT * FROM people ORDER BY id').all() as Record<string, unknown>[]).map((p) => ({
      ...p,
      age_sum: Math.round((p.age_sum as number) * 1e9) / 1e9,
    })),
    faces: db
      .prepare(
        'SELECT id, person_id, pinned_person_id, rejected_person_ids, not_a_face FROM faces ORDER BY id',
      )
      .all(),
    covers: db.prepare('SELECT * FROM person_covers ORDER BY person_id').all(),
    counts: db.prepare('SELECT * FROM album_counts ORDER BY name').all(),
  };
}

let album: SyntheticAlbum;
let api: ReturnType<typeof apiOver>;
/** Person ids by size: a (5 photos), b (4), c (3); two faces nobody holds. */
let a: string;
let b: string;
let c: string;
let strangers: number[];
let faceOf: Record<'a' | 'b' | 'c', number[]>;

beforeEach(async () => {
  const s = new SyntheticIdentities(19);
  const ids = [s.newIdentity(0), s.newIdentity(0), s.newIdentity(0), s.newIdentity(0), s.newIdentity(0)];
  album = new SyntheticAlbum(SYNTHETIC_THRESHOLDS);
  const add = (who: string, identity: number, n: number) =>
    Array.from(
      { length: n },
      (_, i) => album.addPhoto(`${who}/${i}.jpg`, `h-${who}-${i}`, [s.face(identity)])[0]!,
    );
  faceOf = { a: add('a', ids[0]!, 5), b: add('b', ids[1]!, 4), c: add('c', ids[2]!, 3) };
  strangers = [...add('s1', ids[3]!, 1), ...add('s2', ids[4]!, 1)];
  // A copy of one of a's photos (same content): edits on a face reach its copy.
  album.addPhoto('copies/a0.jpg', 'h-a-0', []);
  api = apiOver(album.db);
  await api.backend.runClustering({ deadline: Date.now() + 60_000, log: createLogger({ level: 'error' }) });
  [a, b, c] = [faceOf.a[0]!, faceOf.b[0]!, faceOf.c[0]!].map((f) => album.personOf(f)!) as [
    string,
    string,
    string,
  ];
  expect(new Set([a, b, c]).size).toBe(3);
  for (const f of strangers) expect(album.personOf(f)).toBeNull();
});
afterEach(() => album?.close());

/** Makes the edit, checks it changed something and named its entry, undoes it and checks nothing else remains. */
async function undoRestores(edit: () => Promise<{ status: number; editId: string | null }>) {
  const before = state(album.db);
  const res = await edit();
  expect(res.status).toBeLessThan(300);
  expect(res.editId).toMatch(/^\d+$/);
  expect(state(album.db)).not.toEqual(before);
  const undo = await api.call('POST', `/edits/${res.editId}/undo`);
  expect(undo.status).toBe(200);
  const edit_ = EditShape.parse(undo.json.edit);
  expect(edit_).toMatchObject({ id: res.editId, undoable: false });
  expect(edit_.undoneAt).not.toBeNull();
  expect(state(album.db)).toEqual(before);
  return edit_;
}

describe('undo restores the album exactly, for every kind of edit', () => {
  it('rename, hide, unhide and labels', async () => {
    expect((await undoRestores(() => api.call('PATCH', `/people/${a}`, { name: 'Alice' }))).kind).toBe(
      'rename',
    );
    expect((await undoRestores(() => api.call('PATCH', `/people/${a}`, { hidden: true }))).kind).toBe('hide');
    await api.call('PATCH', `/people/${b}`, { hidden: true });
    expect((await undoRestores(() => api.call('PATCH', `/people/${b}`, { hidden: false }))).kind).toBe(
      'unhide',
    );
    expect((await undoRestores(() => api.call('PATCH', `/people/${c}`, { labels: { k: 'v' } }))).kind).toBe(
      'labels',
    );
  });

  it('merge (with the name kept, the cover kept, merged-away ids answered by the target) and its undo', async () => {
    await api.call('PATCH', `/people/${a}`, { name: 'Alice' });
    await api.call('PATCH', `/people/${b}`, { name: 'Bea' });
    const cover = PersonShape.parse((await api.call('GET', `/people/${b}`)).json).cover;
    const edit = await undoRestores(async () => {
      // b is the kept person: its cover must not become one of a's bigger set of faces (bug 1).
      const res = await api.call('POST', '/people/merge', { from: [a, c], into: b, name: 'Alice' });
      expect(res.status).toBe(202);
      const kept = PersonShape.parse((await api.call('GET', `/people/${b}`)).json);
      expect(kept).toMatchObject({ id: b, name: 'Alice', imageCount: 13 });
      expect(kept.cover).toEqual(cover);
      // A merged-away id answers with the person it went into (bug 4), photos too.
      const gone = await api.call('GET', `/people/${a}`);
      expect(gone.status).toBe(200);
      expect(PersonShape.parse(gone.json).id).toBe(b);
      const photos = await api.call('GET', `/people/${c}/photos?limit=100`);
      expect(photos.status).toBe(200);
      expect(photos.json.items).toHaveLength(13);
      return res;
    });
    expect(edit).toMatchObject({ kind: 'merge', summary: 'Merged 3 people into "Alice"' });
    expect(edit.personIds.sort()).toEqual([a, b, c].sort());
    expect(PersonShape.parse((await api.call('GET', `/people/${a}`)).json)).toMatchObject({
      id: a,
      name: 'Alice',
    });
  });

  it('not this person, give to person, cover', async () => {
    const face = faceOf.a[0]!;
    expect((await undoRestores(() => api.call('DELETE', `/people/${a}/faces/${face}`))).kind).toBe(
      'not-this-person',
    );
    expect((await undoRestores(() => api.call('PUT', `/faces/${face}/person`, { personId: b }))).kind).toBe(
      'give-to-person',
    );
    expect(
      (await undoRestores(() => api.call('PUT', `/people/${a}/cover`, { faceId: String(faceOf.a[3]) }))).kind,
    ).toBe('cover');
  });

  it('faces given to a new person: the person goes again', async () => {
    let made = '';
    await undoRestores(async () => {
      const res = await api.call('POST', '/faces/assign', {
        faceIds: strangers.map(String),
        newPerson: { name: 'Dora' },
      });
      expect(res.status).toBe(200);
      made = res.json.personId;
      expect(PersonShape.parse((await api.call('GET', `/people/${made}`)).json)).toMatchObject({
        name: 'Dora',
        faceCount: 2,
      });
      return res;
    });
    expect((await api.call('GET', `/people/${made}`)).status).toBe(404);
  });

  it('not a face: out of people, counts and clustering, reversible by undo and by notAFace false', async () => {
    const face = faceOf.c[1]!;
    const stats = async () => (await api.call('GET', '/stats')).json;
    const faces = (await stats()).faceCount;
    const edit = await undoRestores(async () => {
      const res = await api.call('POST', '/faces/not-a-face', { faceIds: [String(face)], notAFace: true });
      expect(res.json).toEqual({ faceIds: [String(face)], notAFace: true });
      expect((await stats()).faceCount).toBe(faces - 1);
      expect(PersonShape.parse((await api.call('GET', `/people/${c}`)).json).faceCount).toBe(2);
      const marked = await api.call('GET', '/faces/not-a-face');
      expect(marked.json.items.map((f: { id: string }) => f.id)).toEqual([String(face)]);
      return res;
    });
    expect(edit.kind).toBe('not-a-face');
    // A face of a's photo that has a copy: the mark covers both copies, and a clustering pass leaves
    // them out. Taking the mark off gives them back to the next pass, which puts them in a again.
    const copied = faceOf.a[0]!;
    const copy = album.faceIdsOf('copies/a0.jpg')[0]!;
    const marked = await api.call('POST', '/faces/not-a-face', { faceIds: [String(copied)], notAFace: true });
    expect(marked.json.faceIds).toEqual([String(copied), String(copy)]);
    const cluster = () =>
      api.backend.runClustering({ deadline: Date.now() + 60_000, log: createLogger({ level: 'error' }) });
    await cluster();
    expect([album.personOf(copied), album.personOf(copy)]).toEqual([null, null]);
    const back = await api.call('POST', '/faces/not-a-face', { faceIds: [String(copied)], notAFace: false });
    expect(back.status).toBe(200);
    expect(back.editId).not.toBeNull();
    expect((await stats()).faceCount).toBe(faces);
    expect((await api.call('GET', '/faces/not-a-face')).json.items).toEqual([]);
    await cluster();
    expect([album.personOf(copied), album.personOf(copy)]).toEqual([a, a]);
  });
});

describe('the edit log', () => {
  it('lists edits newest first with pages, and refuses an undo a later edit depends on', async () => {
    const rename = await api.call('PATCH', `/people/${a}`, { name: 'Alice' });
    const merge = await api.call('POST', '/people/merge', { from: [b], into: a });
    const hide = await api.call('PATCH', `/people/${c}`, { hidden: true });
    const first = await api.call('GET', '/edits?limit=2');
    const page1 = pageOf(EditShape).parse(first.json);
    expect(page1.items.map((e) => e.id)).toEqual([hide.editId, merge.editId]);
    const page2 = pageOf(EditShape).parse(
      (await api.call('GET', `/edits?limit=2&cursor=${page1.nextCursor}`)).json,
    );
    expect(page2).toEqual({
      items: [expect.objectContaining({ id: rename.editId, kind: 'rename' })],
      nextCursor: null,
    });

    const blocked = await api.call('POST', `/edits/${rename.editId}/undo`);
    expect(blocked.status).toBe(409);
    expect(ErrorShape.parse(blocked.json).error.message).toContain(
      `${merge.editId} (Merged 2 people into "Alice")`,
    );
    // The hide touched someone else: undoing it first is fine; then the merge, then the rename.
    expect((await api.call('POST', `/edits/${hide.editId}/undo`)).status).toBe(200);
    expect((await api.call('POST', `/edits/${merge.editId}/undo`)).status).toBe(200);
    expect((await api.call('POST', `/edits/${rename.editId}/undo`)).status).toBe(200);
    expect(PersonShape.parse((await api.call('GET', `/people/${a}`)).json).name).toBeNull();

    const again = await api.call('POST', `/edits/${rename.editId}/undo`);
    expect(again.status).toBe(409);
    expect(ErrorShape.parse(again.json).error.message).toContain('already undone');
    for (const id of ['999999', 'abc']) {
      const res = await api.call('POST', `/edits/${id}/undo`);
      expect(res.status).toBe(404);
      expect(ErrorShape.parse(res.json).error.code).toBe('not_found');
    }
    expect((await api.call('GET', '/edits?cursor=%%%')).status).toBe(400);
    expect((await api.call('GET', '/capabilities')).json).toMatchObject({
      undo: true,
      unknownFaces: true,
    });
  });

  it('undo survives a restart: a new process on the same data dir undoes a merge made before', async () => {
    const before = state(album.db);
    const merge = await api.call('POST', '/people/merge', { from: [b, c], into: a });
    expect(merge.editId).not.toBeNull();
    const db2 = openDatabase(album.db.name);
    try {
      const restarted = apiOver(db2);
      const log = pageOf(EditShape).parse((await restarted.call('GET', '/edits')).json);
      expect(log.items[0]).toMatchObject({ id: merge.editId, kind: 'merge', undoable: true });
      expect((await restarted.call('POST', `/edits/${merge.editId}/undo`)).status).toBe(200);
    } finally {
      db2.close();
    }
    expect(state(album.db)).toEqual(before);
  });
});
