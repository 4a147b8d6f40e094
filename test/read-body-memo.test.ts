/**
 * The read routes' JSON kept as text (http/read-body-memo) on the real local server: real SQLite, real
 * clustering of synthetic faces. A kept body must never outlive a write nor answer another query.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadBodyMemo } from '../src/http/read-body-memo';
import { clusteringSession } from '../src/local/cluster/clustering-session';
import { type LocalAlbum, openLocalAlbum } from '../src/local/local-runtime';
import { type LocalServer, startLocalServer } from '../src/local/server/local-server';
import { captureLogs } from './support/log-capture';
import { SYNTHETIC_THRESHOLDS, syntheticFace, syntheticPhoto } from './support/synthetic-faces';

const work = mkdtempSync(join(tmpdir(), 'fa-body-memo-'));
const logs = captureLogs();
let album: LocalAlbum;
let server: LocalServer;
let n = 0;

/** Photos of one identity: `base` plus a small per-photo change (well inside the join threshold). */
function addPhotos(base: (i: number) => number, count: number): void {
  for (let k = 0; k < count; k++) {
    const e = Float32Array.from({ length: 128 }, (_, i) => base(i));
    e[k % 128]! += 0.02;
    const hash = `hash-${++n}`;
    album.photos.saveAnalysis(hash, syntheticPhoto(syntheticFace(e)));
    album.photos.upsertPhoto(`p/${n}.jpg`, hash, { size: 1, mtimeMs: n }, () => true);
  }
}

async function cluster(): Promise<void> {
  const run = await album.backend.runClustering({ deadline: Date.now() + 60_000, log: logs.log });
  expect(run.outcome).not.toBe('failed');
}

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { headers });
const json = async <T>(path: string): Promise<T> => {
  const res = await get(path);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
};
type People = { items: { id: string; name: string | null }[]; nextCursor: string | null };

beforeAll(async () => {
  mkdirSync(join(work, 'photos'), { recursive: true });
  album = openLocalAlbum({
    photosDir: join(work, 'photos'),
    dataDir: join(work, 'data'),
    env: {},
    createEngine: () => Promise.reject(new Error('engine not used in this test')),
    clusterer: clusteringSession(SYNTHETIC_THRESHOLDS),
    log: logs.log,
  });
  addPhotos(() => 0.1, 4);
  addPhotos((i) => (i % 2 ? 0.1 : -0.1), 3);
  await cluster();
  server = await startLocalServer({ app: album.runtime.api, log: logs.log, port: 0 });
  album.setBaseUrl(server.url);
});

afterAll(async () => {
  await server?.close();
  await album?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('read bodies kept until the album changes', () => {
  it('answers a repeated read with the same body, an ETag, and 304 when the client has it', async () => {
    const first = await get('/people?limit=50');
    const second = await get('/people?limit=50');
    expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    expect(await second.text()).toBe(await first.text());
    expect(second.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));
    const cached = await get('/people?limit=50', { 'if-none-match': first.headers.get('etag')! });
    expect(cached.status).toBe(304);
    expect(await cached.text()).toBe('');
  });

  it('never answers one query with the body of another', async () => {
    const all = await json<People>('/people?limit=50');
    expect(all.items).toHaveLength(2);
    const one = await json<People>('/people?limit=1');
    expect(one.items).toHaveLength(1);
    expect(one.nextCursor).not.toBeNull();
    const next = await json<People>(`/people?limit=1&cursor=${one.nextCursor}`);
    expect(next.items.map((p) => p.id)).not.toEqual(one.items.map((p) => p.id));
    const [a, b] = all.items.map((p) => p.id);
    const photosA = await json<{ items: unknown[] }>(`/people/${a}/photos`);
    const photosB = await json<{ items: unknown[] }>(`/people/${b}/photos`);
    expect(new Set([photosA.items.length, photosB.items.length])).toEqual(new Set([4, 3]));
    expect((await json<{ id: string }>(`/people/${b}`)).id).toBe(b);
    // The same parameters in another order are the same query.
    const ordered = await get('/people?limit=1&sort=imageCount');
    const reordered = await get('/people?sort=imageCount&limit=1');
    expect(await reordered.text()).toBe(await ordered.text());
    // An unknown id stays 404 and is not kept as anyone's answer.
    expect((await get('/people/nobody')).status).toBe(404);
  });

  it('shows a write through the API on the next read', async () => {
    const { items } = await json<People>('/people?limit=50');
    const id = items[0]!.id;
    const etag = (await get('/people?limit=50')).headers.get('etag')!;
    const patch = await fetch(`${server.url}/people/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Renamed' }),
    });
    expect(patch.status).toBe(200);
    const after = await get('/people?limit=50', { 'if-none-match': etag });
    expect(after.status).toBe(200);
    expect(((await after.json()) as People).items.find((p) => p.id === id)?.name).toBe('Renamed');
    expect((await json<{ name: string }>(`/people/${id}`)).name).toBe('Renamed');
  });

  it('shows new photos and a commit by another process on the next read', async () => {
    expect((await json<People>('/people?limit=50')).items).toHaveLength(2);
    addPhotos((i) => (i < 64 ? 0.1 : -0.1), 3);
    await cluster();
    const people = await json<People>('/people?limit=50');
    expect(people.items).toHaveLength(3);
    // Another connection (another process: `face-album recluster`, a second server) renames a person.
    const other = new Database(join(work, 'data', 'album.db'));
    try {
      const changed = other
        .prepare("UPDATE people SET name = 'From elsewhere' WHERE id = ?")
        .run(people.items[0]!.id);
      expect(changed.changes).toBe(1);
    } finally {
      other.close();
    }
    expect((await json<People>('/people?limit=50')).items[0]!.name).toBe('From elsewhere');
  });
});

describe('ReadBodyMemo', () => {
  it('never serves an entry of another version, and drops the least recently used entry when full', () => {
    const memo = new ReadBodyMemo(2, 1000);
    memo.set('v1', 'a', '"a"');
    memo.set('v1', 'b', '"b"');
    expect(memo.get('v1', 'a')?.body).toBe('"a"'); // a is now the most recent
    memo.set('v1', 'c', '"c"');
    expect(memo.get('v1', 'b')).toBeUndefined();
    expect(memo.get('v1', 'a')?.body).toBe('"a"');
    expect(memo.get('v2', 'a')).toBeUndefined();
    expect(memo.size).toBe(1); // asking with a newer version dropped a; c waits for eviction
    memo.set('v2', 'd', '"d"');
    expect(memo.get('v2', 'c')).toBeUndefined();
    expect(memo.size).toBe(1);
    expect(memo.get('v2', 'a')).toBeUndefined();
    memo.set('v2', 'big', 'x'.repeat(2000));
    expect(memo.get('v2', 'big')).toBeUndefined();
    expect(memo.get('v2', 'd')?.body).toBe('"d"');
  });

  it('keeps the answers of several albums (libraries) side by side, each under its own version', () => {
    const memo = new ReadBodyMemo(10, 1000);
    memo.set('alice@1', '/libraries/alice/people?', '"a1"');
    memo.set('bob@7', '/libraries/bob/people?', '"b7"');
    expect(memo.get('alice@1', '/libraries/alice/people?')?.body).toBe('"a1"');
    expect(memo.get('bob@7', '/libraries/bob/people?')?.body).toBe('"b7"');
    expect(memo.get('bob@8', '/libraries/bob/people?')).toBeUndefined();
    expect(memo.get('alice@1', '/libraries/alice/people?')?.body).toBe('"a1"');
  });
});
