/**
 * The local store at scale, through the real SQLite stores: stored person figures agree with a full
 * recount after every kind of write, every API read uses an index (EXPLAIN QUERY PLAN), keyset cursors
 * walk each sort exactly once, and cursors that do not decode are 400s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlbumService } from '../src/album/album-service';
import { loadAlbumConfig } from '../src/config/album-config';
import { createApiApp } from '../src/http/api-app';
import { singleLibrary } from '../src/library/album-libraries';
import type { AnalyzedPhoto } from '../src/local/engine/face-engine';
import { PhotoFolder } from '../src/local/folder/photo-folder';
import { LocalBackend } from '../src/local/local-backend';
import { type Db, openDatabase } from '../src/local/store/database';
import { EditLogStore } from '../src/local/store/edit-log-store';
import { FaceEditsStore } from '../src/local/store/face-edits-store';
import { PeopleStore } from '../src/local/store/people-store';
import { rebuildPersonStats } from '../src/local/store/person-stats';
import { PhotoStore } from '../src/local/store/photo-store';
import { TaskStore } from '../src/local/store/task-store';
import { UnknownFacesStore } from '../src/local/store/unknown-faces-store';
import { createLogger } from '../src/log/logger';
import { recordStatements } from './support/record-statements';
import { mulberry32 } from './support/synthetic-faces';

let rand = mulberry32(5);

const analysis = (faces: number): AnalyzedPhoto => ({
  width: 800,
  height: 600,
  takenAt: null,
  faces: Array.from({ length: faces }, (_, i) => ({
    box: { left: 10 + i * 100, top: 20, width: 80, height: 90 },
    confidence: 0.99,
    headPose: { yaw: 0, pitch: 0, roll: 0 },
    age: Math.round(rand() * 600) / 10,
    gender: rand() < 0.5 ? ('male' as const) : ('female' as const),
    quality: Math.round(rand() * 100) / 100,
    sharpness: 0.9,
    attributes: {},
    embedding: new Float32Array(128).fill(0.1),
  })),
});

describe('local store at scale', () => {
  let dir: string;
  let db: Db;
  let photos: PhotoStore;
  let people: PeopleStore;
  let backend: LocalBackend;
  const clusterable = () => true;

  beforeEach(() => {
    rand = mulberry32(5);
    dir = mkdtempSync(join(tmpdir(), 'fa-scale-'));
    db = openDatabase(join(dir, 'album.db'));
    photos = new PhotoStore(db);
    people = new PeopleStore(db, (p) => `oss://local/${p}`);
    backend = new LocalBackend({
      bucket: 'local',
      folder: new PhotoFolder(join(dir, 'photos')),
      photos,
      people,
      tasks: new TaskStore(db),
      edits: new FaceEditsStore(db),
      editLog: new EditLogStore(db),
      unknownFaces: new UnknownFacesStore(db),
      engine: () => Promise.reject(new Error('no engine in this test')),
      clusterer: { cluster: () => ({ assignments: [], createdPersons: [], emptiedPersons: [] }) },
      isClusterable: clusterable,
      concurrency: 1,
    });
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `n` photos (some group photos, some copies of earlier content) spread over `persons` people. */
  function fill(n: number, persons: number) {
    const faceIds: number[] = [];
    for (let i = 0; i < n; i++) {
      const copyOf = i > 10 && rand() < 0.2 ? Math.floor(rand() * i) : -1;
      const hash = copyOf >= 0 ? `h${copyOf}` : `h${i}`;
      if (copyOf < 0) photos.saveAnalysis(hash, analysis(1 + Math.floor(rand() * 2.4)));
      photos.upsertPhoto(`p/${i}.jpg`, hash, { size: i, mtimeMs: i }, clusterable);
    }
    for (const f of photos.clusterFaceStates()) if (!f.personId) faceIds.push(f.id);
    const ids = Array.from({ length: persons }, (_, i) => `person-${String(i).padStart(3, '0')}`);
    people.applyClusterChanges({
      createdPersons: ids,
      assignments: faceIds.map((faceId) => ({ faceId, personId: ids[Math.floor(rand() * persons)]! })),
      emptiedPersons: [],
    });
    return ids;
  }

  const snapshot = () =>
    db
      .prepare(
        'SELECT id, face_count, image_count, males, females, age_n, round(age_sum, 6) + 0.0 AS age_sum, age_min, age_max, cover_face_id FROM people ORDER BY id',
      )
      .all();
  const counts = () => db.prepare('SELECT name, n FROM album_counts ORDER BY name').all();

  /** What the triggers stored equals a recount from scratch. */
  function expectStatsMatchRecount() {
    const stored = snapshot();
    const storedCounts = counts();
    rebuildPersonStats(db);
    expect(stored).toEqual(snapshot());
    expect(storedCounts).toEqual(counts());
  }

  it('keeps counts, age, gender and cover right through indexing, clustering, edits, copies and removals', () => {
    const ids = fill(120, 8);
    expectStatsMatchRecount();
    expect(people.get(ids[0]!)).toMatchObject({
      faceCount: expect.any(Number),
      cover: { uri: expect.any(String) },
    });

    // Moves between persons, merges, "not this person".
    const faces = photos.clusterFaceStates();
    people.applyClusterChanges({
      createdPersons: [],
      assignments: faces.slice(0, 30).map((f, i) => ({ faceId: f.id, personId: i % 3 ? ids[1]! : null })),
      emptiedPersons: [],
    });
    expectStatsMatchRecount();
    people.merge([ids[2]!, ids[3]!], ids[4]!);
    expectStatsMatchRecount();
    const face = photos.clusterFaceStates().find((f) => f.personId === ids[4]);
    people.rejectFace(ids[4]!, face!.id);
    expectStatsMatchRecount();

    // A copy of known content takes the person of its original; removals (cascading to faces) and a changed file.
    photos.upsertPhoto('copy/of-1.jpg', 'h1', { size: 1, mtimeMs: 1 }, clusterable);
    for (let i = 0; i < 40; i += 3) photos.removePath(`p/${i}.jpg`);
    photos.recordRejection('p/1.jpg', { size: 9, mtimeMs: 9 }, 'corrupt', 'bad');
    photos.saveAnalysis('h-new', analysis(2));
    photos.upsertPhoto('p/4.jpg', 'h-new', { size: 5, mtimeMs: 5 }, clusterable);
    expectStatsMatchRecount();

    // The clusterable rule changing re-ranks covers.
    photos.refreshClusterable('rule-2', (f) => (f.quality ?? 0) > 0.5);
    expectStatsMatchRecount();

    // Emptied persons leave the list and the count.
    const everyone = photos.clusterFaceStates();
    people.applyClusterChanges({
      createdPersons: [],
      assignments: everyone
        .filter((f) => f.personId === ids[5])
        .map((f) => ({ faceId: f.id, personId: null })),
      emptiedPersons: [ids[5]!],
    });
    expectStatsMatchRecount();
    expect(people.get(ids[5]!)).toBeNull();
    const listed = people.list({ limit: 100, sort: 'imageCount', order: 'desc', hidden: 'include' }).items;
    expect(people.counts().people).toBe(listed.length);
  });

  it('fills the stored figures once when an older data dir (without them) is opened', () => {
    fill(40, 4);
    const before = snapshot();
    // As a data dir from before: no triggers, no counts, nothing stored.
    for (const { name } of db.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger'`).all() as {
      name: string;
    }[])
      db.exec(`DROP TRIGGER ${name}`);
    db.exec(`DROP TABLE album_counts; UPDATE people SET face_count = 0, image_count = 0, males = 0, cover_face_id = NULL;
      UPDATE faces SET quality = NULL, age = NULL, gender = NULL`);
    db.close();
    db = openDatabase(join(dir, 'album.db'));
    expect(snapshot()).toEqual(before);
  });

  it('has every album count on a new data dir, and recounts a count row a data dir lacks when it is opened', async () => {
    const names = ['faces', 'people', 'photos', 'rejected', 'rejected_videos', 'videos'];
    expect((counts() as { name: string; n: number }[]).map((c) => c.name)).toEqual(names);
    expect(await backend.stats()).toMatchObject({ photoCount: 0, personCount: 0 });
    fill(40, 4);
    const before = counts();
    // As a data dir written before some counts existed (or by a version that lost a row).
    db.exec(`DELETE FROM album_counts WHERE name IN ('people', 'videos', 'rejected_videos')`);
    db.close();
    db = openDatabase(join(dir, 'album.db'));
    expect(counts()).toEqual(before);
    expect(new PeopleStore(db, (p) => p).counts().people).toBe(4);
  });

  it('walks every sort, order and hidden filter by keyset cursor: each listed person once, in order', async () => {
    const ids = fill(150, 23);
    people.update(ids[3]!, { name: 'ana' });
    people.update(ids[4]!, { name: 'Bob', hidden: true });
    people.update(ids[5]!, { name: 'bob' });
    people.update(ids[6]!, { hidden: true });
    for (const sort of ['imageCount', 'updatedAt', 'name'] as const)
      for (const order of ['asc', 'desc'] as const)
        for (const hidden of ['exclude', 'include', 'only'] as const) {
          const all = people.list({ limit: 100, sort, order, hidden }).items;
          const walked: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await backend.listPeople({ limit: 4, sort, order, hidden, cursor });
            walked.push(...page.items.map((p) => p.id));
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
          expect(walked, `${sort} ${order} ${hidden}`).toEqual(all.map((p) => p.id));
          expect(all.length).toBe(hidden === 'only' ? 2 : hidden === 'exclude' ? 21 : 23);
        }
    // A person's photos page by photo id; every photo once.
    const big = people.list({ limit: 1, sort: 'imageCount', order: 'desc', hidden: 'include' }).items[0]!;
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await backend.listPersonPhotos(big.id, { limit: 3, cursor });
      seen.push(...page.items.map((p) => p.uri));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.length).toBe(big.imageCount);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('sorts by name: named people first in normalized-name order, unnamed after by photo count; undo of a rename restores the place', async () => {
    const ids = fill(120, 8);
    for (const [i, name] of ['Zoë', 'émile', 'alice', 'Bob', 'Ábel'].entries())
      await backend.updatePerson(ids[i]!, { name });
    const walk = async (order: 'asc' | 'desc', limit: number) => {
      const out: { name: string | null; imageCount: number }[] = [];
      let cursor: string | undefined;
      do {
        const page = await backend.listPeople({ limit, sort: 'name', order, hidden: 'include', cursor });
        out.push(...page.items.map((p) => ({ name: p.name, imageCount: p.imageCount })));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return out;
    };
    const named = async () => (await walk('asc', 10)).slice(0, 5).map((p) => p.name);
    const asc = await walk('asc', 3);
    expect(asc.slice(0, 5).map((p) => p.name)).toEqual(['Ábel', 'alice', 'Bob', 'émile', 'Zoë']);
    const unnamed = asc.slice(5);
    expect(unnamed.map((p) => p.name)).toEqual([null, null, null]);
    const counts = unnamed.map((p) => p.imageCount);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(new Set(counts).size).toBeGreaterThan(1);
    expect(await walk('desc', 2)).toEqual([...asc].reverse());

    // Renamed, then the rename undone: back in its place (the key follows name_norm through the undo).
    const receipt: { editId: string | null } = { editId: null };
    await backend.updatePerson(ids[4]!, { name: 'Zack' }, receipt);
    expect(await named()).toEqual(['alice', 'Bob', 'émile', 'Zack', 'Zoë']);
    await backend.undoEdit(receipt.editId!);
    expect(await named()).toEqual(['Ábel', 'alice', 'Bob', 'émile', 'Zoë']);
  });

  it('answers every API read by index: no full scan of faces, photos or people, no sort of the whole list', async () => {
    const ids = fill(200, 12);
    const seen = recordStatements(db);
    for (const sort of ['imageCount', 'updatedAt', 'name'] as const)
      for (const order of ['asc', 'desc'] as const)
        for (const hidden of ['exclude', 'include', 'only'] as const) {
          const first = await backend.listPeople({ limit: 2, sort, order, hidden });
          await backend.listPeople({ limit: 2, sort, order, hidden, cursor: first.nextCursor ?? undefined });
        }
    await backend.getPerson(ids[0]!);
    const page = await backend.listPersonPhotos(ids[0]!, { limit: 2 });
    await backend.listPersonPhotos(ids[0]!, { limit: 2, cursor: page.nextCursor ?? undefined });
    for (const mediaType of ['image', 'video'] as const) {
      const one = await backend.listPersonPhotos(ids[0]!, { limit: 2, mediaType });
      await backend.listPersonPhotos(ids[0]!, {
        limit: 2,
        mediaType,
        cursor: one.nextCursor ?? page.nextCursor ?? undefined,
      });
    }
    await backend.getPhoto('oss://local/p/7.jpg');
    await backend.stats();
    photos.photoByPath('p/8.jpg');
    seen.stop();
    expect(seen.length).toBeGreaterThan(40);
    const bad: string[] = [];
    for (const { sql, args } of [...seen]) {
      if (/^\s*(INSERT|UPDATE|DELETE)/i.test(sql)) continue;
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map(
        (r) => r.detail,
      );
      // A first page may walk a list index from its start (LIMIT stops it); a later page must seek.
      const keyset = /people\.id\) [<>] \(\?, \?\)/.test(sql);
      const scans = plan.filter(
        (d) =>
          (/^SCAN (faces|photos|people|person_photos|analyses|analysis_faces|f|p|a|cf|cp|ca)\b/.test(d) &&
            (keyset || !/^SCAN people USING (COVERING )?INDEX people_by_/.test(d))) ||
          /TEMP B-TREE/.test(d),
      );
      if (scans.length) bad.push(`${sql}\n  ${plan.join('\n  ')}`);
    }
    expect(bad).toEqual([]);
  });

  it('serves repeated reads from memory until anything is written, here or by another process (from the next event-loop turn)', async () => {
    const ids = fill(30, 3);
    const name = async () => (await backend.getPerson(ids[0]!))?.name;
    expect(await name()).toBeNull();
    expect(await backend.getPerson(ids[0]!)).toBe(await backend.getPerson(ids[0]!));
    people.update(ids[0]!, { name: 'Ada' });
    expect(await name()).toBe('Ada');
    const page = await backend.listPeople({ limit: 10, sort: 'name', order: 'asc', hidden: 'include' });
    const other = openDatabase(join(dir, 'album.db'));
    other.prepare(`UPDATE people SET name = 'Grace' WHERE id = ?`).run(ids[0]);
    other.close();
    await new Promise((r) => setImmediate(r));
    expect(await name()).toBe('Grace');
    expect(await backend.listPeople({ limit: 10, sort: 'name', order: 'asc', hidden: 'include' })).not.toBe(
      page,
    );
  });

  it('refuses cursors that do not decode to a page position with 400, never 500', async () => {
    fill(20, 3);
    const config = loadAlbumConfig({ PHOTO_PREFIX: '' });
    const links = { photoUrl: (u: string) => u, posterUrl: (u: string) => u, faceUrl: (u: string) => u };
    const api = createApiApp({
      libraries: singleLibrary(new AlbumService(backend, links, config)),
      config,
      log: createLogger({ level: 'error' }),
      bucket: 'local',
    });
    const person = people.list({ limit: 1, sort: 'imageCount', order: 'desc', hidden: 'include' }).items[0]!;
    const huge = Buffer.from('1e20').toString('base64url'); // MWUyMA
    const other = (await backend.listPeople({ limit: 1, sort: 'name', order: 'asc', hidden: 'include' }))
      .nextCursor!;
    for (const path of [
      `/people?cursor=${huge}`,
      '/people?cursor=%25%25',
      `/people?cursor=${Buffer.from('[1,2]').toString('base64url')}`,
      `/people?cursor=${other}`,
      `/people?sort=imageCount&cursor=${Buffer.from('["imageCount",1e300,"x"]').toString('base64url')}`,
      `/people/${person.id}/photos?cursor=${huge}`,
      `/people/${person.id}/photos?cursor=${Buffer.from('-5').toString('base64url')}`,
      `/people/${person.id}/photos?cursor=${Buffer.from('99999999999999999999').toString('base64url')}`,
    ]) {
      const res = await api.request(path);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('bad_request');
    }
  });
});
