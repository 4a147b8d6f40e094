/**
 * The read routes' JSON kept as text (http/read-body-memo) on the real local server: real SQLite, real
 * clustering of synthetic faces. A kept body must never outlive a write nor answer another query.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preferredCoding, ReadBodyMemo } from '../src/http/read-body-memo';
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

/** The raw answer (fetch would decode a compressed body itself). */
function raw(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((done, fail) => {
    const req = request(`${server.url}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        done({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end();
  });
}

describe('kept bodies compressed for clients that accept it', () => {
  it('sends brotli or gzip as asked, decoding to the same JSON under the same ETag, with Vary', async () => {
    const plain = await raw('/people?limit=50', { 'accept-encoding': 'identity' });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('Accept-Encoding');
    expect(plain.body.length).toBeGreaterThan(1024); // two people with signed links: worth compressing
    const people = JSON.parse(plain.body.toString()) as People;
    expect(people.items.length).toBeGreaterThan(0);

    for (const [asked, coding, decode] of [
      ['gzip, deflate, br, zstd', 'br', brotliDecompressSync],
      ['gzip, deflate', 'gzip', gunzipSync],
      ['br;q=0.5, gzip', 'gzip', gunzipSync],
      ['*', 'br', brotliDecompressSync],
    ] as const) {
      // Twice: compressed when first asked for, then sent from the entry.
      for (let i = 0; i < 2; i++) {
        const res = await raw('/people?limit=50', { 'accept-encoding': asked });
        expect(res.headers['content-encoding'], asked).toBe(coding);
        expect(res.headers.vary).toBe('Accept-Encoding');
        expect(res.headers.etag).toBe(plain.headers.etag);
        expect(Number(res.headers['content-length'])).toBe(res.body.length);
        expect(res.body.length).toBeLessThan(plain.body.length / 2);
        expect(decode(res.body).toString()).toBe(plain.body.toString());
      }
    }
    const notModified = await raw('/people?limit=50', {
      'accept-encoding': 'br',
      'if-none-match': String(plain.headers.etag),
    });
    expect(notModified.status).toBe(304);
    expect(notModified.body.length).toBe(0);
    // fetch, as a browser would: asks for gzip, decodes it, same JSON.
    expect(await (await get('/people?limit=50')).text()).toBe(plain.body.toString());
  });

  it('sends a small body as it is, and a body not kept (stats) uncompressed', async () => {
    const { items } = await json<People>('/people?limit=1');
    const person = await raw(`/people/${items[0]!.id}`, { 'accept-encoding': 'br, gzip' });
    expect(person.status).toBe(200);
    expect(person.body.length).toBeLessThan(1024);
    expect(person.headers['content-encoding']).toBeUndefined();
    expect((JSON.parse(person.body.toString()) as { id: string }).id).toBe(items[0]!.id);
    const stats = await raw('/stats', { 'accept-encoding': 'br, gzip' });
    expect(stats.headers['content-encoding']).toBeUndefined();
    expect(stats.headers.etag).toBeUndefined();
  });
});

const text = (body: Uint8Array | undefined) => (body ? Buffer.from(body).toString() : undefined);

describe('ReadBodyMemo', () => {
  it('never serves an entry of another version, and drops the least recently used entry when full', () => {
    const memo = new ReadBodyMemo(2, 1000);
    memo.set('v1', 'a', '"a"');
    memo.set('v1', 'b', '"b"');
    expect(text(memo.get('v1', 'a')?.body)).toBe('"a"'); // a is now the most recent
    memo.set('v1', 'c', '"c"');
    expect(memo.get('v1', 'b')).toBeUndefined();
    expect(text(memo.get('v1', 'a')?.body)).toBe('"a"');
    expect(memo.get('v2', 'a')).toBeUndefined();
    expect(memo.size).toBe(1); // asking with a newer version dropped a; c waits for eviction
    memo.set('v2', 'd', '"d"');
    expect(memo.get('v2', 'c')).toBeUndefined();
    expect(memo.size).toBe(1);
    expect(memo.get('v2', 'a')).toBeUndefined();
    memo.set('v2', 'big', 'x'.repeat(2000));
    expect(memo.get('v2', 'big')).toBeUndefined();
    expect(text(memo.get('v2', 'd')?.body)).toBe('"d"');
  });

  it('counts compressed bodies in its byte bound', () => {
    const memo = new ReadBodyMemo(10, 6000);
    const json = JSON.stringify(Array.from({ length: 250 }, (_, i) => ({ id: `person-${i}` })));
    expect(json.length).toBeGreaterThan(4000);
    const a = memo.set('v', 'a', json);
    expect(memo.heldBytes).toBe(json.length);
    const br = memo.coded(a, 'br')!;
    expect(brotliDecompressSync(br).toString()).toBe(json);
    expect(memo.coded(a, 'br')).toBe(br); // compressed once
    expect(memo.heldBytes).toBe(json.length + br.length);
    // A second entry does not fit beside the first and its compressed body: the older one goes.
    memo.set('v', 'b', json);
    expect(memo.get('v', 'a')).toBeUndefined();
    expect(memo.heldBytes).toBe(json.length);
    // Too small to be worth it: kept plain.
    const small = memo.set('v', 'c', '{"items":[]}');
    expect(memo.coded(small, 'gzip')).toBeNull();
  });

  it('keeps the answers of several albums (libraries) side by side, each under its own version', () => {
    const memo = new ReadBodyMemo(10, 1000);
    memo.set('alice@1', '/libraries/alice/people?', '"a1"');
    memo.set('bob@7', '/libraries/bob/people?', '"b7"');
    expect(text(memo.get('alice@1', '/libraries/alice/people?')?.body)).toBe('"a1"');
    expect(text(memo.get('bob@7', '/libraries/bob/people?')?.body)).toBe('"b7"');
    expect(memo.get('bob@8', '/libraries/bob/people?')).toBeUndefined();
    expect(text(memo.get('alice@1', '/libraries/alice/people?')?.body)).toBe('"a1"');
  });
});

describe('preferredCoding', () => {
  it.each([
    [undefined, null],
    ['', null],
    ['identity', null],
    ['deflate', null],
    ['gzip', 'gzip'],
    ['x-gzip', 'gzip'],
    ['gzip, deflate, br, zstd', 'br'],
    ['BR', 'br'],
    ['br;q=0, gzip', 'gzip'],
    ['gzip;q=0.8, br;q=0.9', 'br'],
    ['gzip;q=1.0, br;q=0.5', 'gzip'],
    ['*', 'br'],
    ['*;q=0', null],
    ['gzip;q=0, *', 'br'],
    ['br;q=0, gzip;q=0, *', null],
  ] as const)('%s → %s', (header, coding) => {
    expect(preferredCoding(header)).toBe(coding);
  });
});
