/**
 * The local server with an API key: the api handler behind the FC HTTP bridge on a real port, real SQLite,
 * real files and sharp crops. No engine is needed: the photo's analysis is written to the store directly.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockDataDir } from '../src/local/launcher/data-dir-lock';
import { type LocalAlbum, openLocalAlbum } from '../src/local/local-runtime';
import { type LocalServer, startLocalServer } from '../src/local/server/local-server';
import { captureLogs } from './support/log-capture';
import { syntheticFace, syntheticPhoto } from './support/synthetic-faces';

const DEV = resolve(import.meta.dirname, '../../shared/datasets/faces-dev');
const KEY = 'local-test-key-0123456789';
const work = mkdtempSync(join(tmpdir(), 'fa-auth-'));
const logs = captureLogs();
let album: LocalAlbum;
let server: LocalServer;

beforeAll(async () => {
  mkdirSync(join(work, 'photos', 'sub'), { recursive: true });
  copyFileSync(join(DEV, 'Hugo_Chavez/1.jpg'), join(work, 'photos', 'sub', 'h 1.jpg'));
  album = openLocalAlbum({
    photosDir: join(work, 'photos'),
    dataDir: join(work, 'data'),
    env: { ALBUM_API_KEY: KEY },
    createEngine: () => Promise.reject(new Error('engine not used in this test')),
    log: logs.log,
  });
  album.photos.saveAnalysis(
    'hash-1',
    syntheticPhoto(syntheticFace(new Float32Array(128).fill(0.1), { age: 50 })),
  );
  album.photos.upsertPhoto('sub/h 1.jpg', 'hash-1', { size: 1, mtimeMs: 1 }, () => true);
  server = await startLocalServer({ app: album.runtime.api, log: logs.log, port: 0 });
  album.setBaseUrl(server.url);
});

afterAll(async () => {
  await server?.close();
  await album?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('local server with ALBUM_API_KEY', () => {
  const auth = { authorization: `Bearer ${KEY}` };

  it('guards the API with the bearer key but not /health', async () => {
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect((await fetch(`${server.url}/stats`)).status).toBe(401);
    const stats = await fetch(`${server.url}/stats`, { headers: auth });
    expect(stats.status).toBe(200);
    expect(await stats.json()).toMatchObject({ backend: 'local', photoCount: 1, faceCount: 1 });
    expect((await fetch(`${server.url}/people/p1/faces/1`, { method: 'DELETE' })).status).toBe(401);
    expect((await fetch(`${server.url}/people/p1/faces/1`, { method: 'DELETE', headers: auth })).status).toBe(
      404,
    );
  });

  it('serves signed media without the key (an <img> cannot send it)', async () => {
    const res = await fetch(`${server.url}/photos/faces?uri=${encodeURIComponent('sub/h 1.jpg')}`, {
      headers: auth,
    });
    expect(res.status).toBe(200);
    const photo = (await res.json()) as {
      uri: string;
      key: string;
      photoUrl: string;
      faces: { faceUrl: string; clusterable: boolean }[];
    };
    expect(photo).toMatchObject({ uri: 'oss://local/sub/h 1.jpg', key: 'sub/h 1.jpg' });
    expect(photo.faces[0]!.clusterable).toBe(true);
    const bytes = await fetch(photo.photoUrl);
    expect(bytes.status).toBe(200);
    expect((await bytes.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    const crop = await fetch(photo.faces[0]!.faceUrl);
    expect(crop.status).toBe(200);
    expect(crop.headers.get('content-type')).toBe('image/jpeg');
    // Cached for the link's life, and revalidated without cutting the crop again.
    expect(Number(/max-age=(\d+)/.exec(crop.headers.get('cache-control') ?? '')?.[1])).toBeGreaterThan(60);
    const etag = crop.headers.get('etag');
    expect(etag).toMatch(/^".+"$/);
    const again = await fetch(photo.faces[0]!.faceUrl, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    // A link for one photo does not open another file, nor one outside the folder.
    const other = new URL(photo.photoUrl);
    other.searchParams.set('key', '../data/album.db');
    expect((await fetch(other)).status).toBe(401);
  });

  it('answers bad percent-encoding with 404 and a log line, not a silent 500', async () => {
    logs.clear();
    for (const path of ['/%ZZ', '/people/%E0%A4%A']) {
      const res = await rawRequest('GET', path, auth);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'not_found' } });
    }
    expect(logs.events('http.request').map((l) => l.status)).toEqual([404, 404]);
    // Without the key too: the answer is the same 401 as for any other path, never a 500.
    expect((await rawRequest('GET', '/%ZZ')).status).toBe(401);
  });

  it('checks the key before reading a body: an unauthenticated upload is refused while still arriving', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/detect`, {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg', 'content-length': String(31 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', () => {});
      // 1 MB of the announced 31 MB: the answer must come without the rest.
      req.write(Buffer.alloc(1024 * 1024));
      setTimeout(() => reject(new Error('no answer before the body was sent')), 5_000).unref();
    });
    expect(status).toBe(401);
  });

  it('bounds JSON bodies as they arrive', async () => {
    const res = await fetch(`${server.url}/people/p1`, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(200_000) }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { message: expect.stringContaining('larger than') } });
  });

  it('refuses an empty or damaged media signing key instead of signing with it', () => {
    const dir = join(work, 'bad-secret');
    mkdirSync(dir, { recursive: true });
    for (const content of ['', '\n', 'not-hex-at-all', 'abcd']) {
      writeFileSync(join(dir, 'media-secret'), content);
      expect(() =>
        openLocalAlbum({ photosDir: join(work, 'photos'), dataDir: dir, env: {}, log: logs.log }),
      ).toThrow(/media signing key .* is empty or damaged/);
    }
  });

  it('refuses a merge of unknown people with 404', async () => {
    const res = await fetch(`${server.url}/people/merge`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ from: ['nope'], into: 'also-nope' }),
    });
    expect(res.status).toBe(404);
  });

  it('lets one indexing process hold a data dir at a time', () => {
    const dir = join(work, 'lock-test');
    mkdirSync(dir, { recursive: true });
    // Held by a live process (pid 1 always exists): refused with a message naming it.
    writeFileSync(join(dir, 'album.lock'), JSON.stringify({ pid: 1, what: 'start' }));
    expect(() => lockDataDir(dir, 'scan')).toThrow(/another face-album \(start, pid 1\)/);
    // Left by a process that died: taken over, and released on unlock.
    writeFileSync(join(dir, 'album.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, what: 'start' }));
    const unlock = lockDataDir(dir, 'scan');
    expect(JSON.parse(readFileSync(join(dir, 'album.lock'), 'utf8'))).toMatchObject({
      pid: process.pid,
      what: 'scan',
    });
    unlock();
    expect(existsSync(join(dir, 'album.lock'))).toBe(false);
  });

  it('recomputes stored clusterable flags when the rule settings change', async () => {
    const dirs = { photosDir: join(work, 'photos'), dataDir: join(work, 'rule-data') };
    const first = openLocalAlbum({ ...dirs, env: {}, log: logs.log });
    first.photos.saveAnalysis('hash-r', syntheticPhoto(syntheticFace(new Float32Array(128), { age: 50 })));
    first.photos.upsertPhoto('r.jpg', 'hash-r', { size: 1, mtimeMs: 1 }, () => true);
    const generation = first.photos.generation();
    await first.close();
    const stricter = openLocalAlbum({ ...dirs, env: { CLUSTERABLE_MIN_QUALITY: '0.95' }, log: logs.log });
    try {
      expect(stricter.photos.clusterFaceStates().map((f) => f.clusterable)).toEqual([false]);
      expect(stricter.photos.generation()).toBeGreaterThan(generation);
    } finally {
      await stricter.close();
    }
  });
});

function rawRequest(method: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method, headers }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
