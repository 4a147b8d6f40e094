/**
 * The local album end to end, on real photos with the real engine and clusterer: the CLI (bin, via tsx)
 * for scan/export/status/recluster, and the daemon (watcher → indexer handler, timer → clusterer
 * handler, HTTP server → api handler) started in-process so the test can count engine calls.
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceEngine } from '../src/local/engine/create-face-engine';
import type { FaceEngine } from '../src/local/engine/face-engine';
import { type RunningAlbum, startAlbumDaemon } from '../src/local/launcher/album-daemon';
import { captureLogs } from './fake-imm/fc-events';
import { waitFor } from './support/wait-for';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'face-album.cjs');
const DEV = resolve(ROOT, '../shared/datasets/faces-dev');

const work = mkdtempSync(join(tmpdir(), 'fa-local-'));
const photos = join(work, 'photos');
const data = join(work, 'state');
const outside = mkdtempSync(join(tmpdir(), 'fa-outside-'));

function place(src: string, key: string): void {
  mkdirSync(dirname(join(photos, key)), { recursive: true });
  copyFileSync(join(DEV, src), join(photos, key));
}

function cli(args: string[]) {
  return run(process.execPath, [BIN, ...args], {
    cwd: work,
    env: { ...process.env, FACE_ALBUM_WORKERS: '1', LOG_LEVEL: 'info' },
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Log records of the in-process daemon: its root logger is the test's. */
const logs = captureLogs();

/** The real engine, counting which files it was asked to analyse. */
const analysed: string[] = [];
async function countingEngine(): Promise<FaceEngine> {
  // A low pixel limit so an over-limit photo is cheap to make (LFW photos are 250×250 = 62,500 px).
  const engine = await createFaceEngine({ workers: 1, maxPixels: 200_000 });
  return {
    concurrency: engine.concurrency,
    analyze: (input) => {
      if ('path' in input) analysed.push(input.path);
      return engine.analyze(input);
    },
    close: () => engine.close(),
  };
}

async function startDaemon(): Promise<RunningAlbum> {
  const album = await startAlbumDaemon({
    photosDir: photos,
    dataDir: data,
    port: 0,
    workers: 1,
    env: {},
    createEngine: countingEngine,
    log: logs.log,
    quietMs: 300,
    stabilityMs: 600,
    clusterIntervalMs: 3_600_000,
  });
  await album.idle();
  return album;
}

/** The watcher settles within a minute even on a loaded 2-core machine. */
const until = <T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000) =>
  waitFor(what, fn, { timeoutMs, intervalMs: 200 });

interface PersonJson {
  id: string;
  name: string | null;
  hidden: boolean;
  faceCount: number;
  imageCount: number;
  cover: { photoUrl: string; faceUrl: string | null } | null;
}
interface PhotoJson {
  key: string;
  photoUrl: string;
  faces: { id: string; personId: string | null; box: object; faceUrl: string | null; clusterable: boolean }[];
}

const api = (base: string) => ({
  get: async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(base + path);
    return { status: res.status, body: (await res.json()) as T };
  },
  send: async <T>(method: string, path: string, body: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  },
});

/** photo key → person ids of its faces, from `export`. */
async function exported(): Promise<{
  people: { id: string; name: string | null; faceCount: number; imageCount: number }[];
  photos: { path: string; mediaType: string; faces: { personId: string | null }[] }[];
}> {
  const { stdout } = await cli(['export', '--data', data, '--photos', photos]);
  return JSON.parse(stdout);
}
const personOf = (exp: Awaited<ReturnType<typeof exported>>, key: string) =>
  exp.photos.find((p) => p.path === key)?.faces.find((f) => f.personId)?.personId ?? null;

// Three people whose photos form persons with the clusterer's defaults. Which identities cluster is the
// clusterer's recall (bench:quality, test/contract), not what this file tests.
beforeAll(() => {
  for (let i = 1; i <= 4; i++) place(`Vladimir_Putin/${i}.jpg`, `putin/h${i}.jpg`);
  for (let i = 1; i <= 4; i++) place(`Ariel_Sharon/${i}.jpg`, `trips/2003/sharon ${i}.jpg`);
  for (const [i, n] of [1, 2, 4].entries()) place(`Gerhard_Schroeder/${n}.jpg`, `schroeder-${i + 1}.jpg`);
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('local album', () => {
  let putin = '';
  let sharon = '';
  let schroeder = '';

  it('scan indexes the folder, prints plain progress off a terminal, clusters people; export has the documented shape', async () => {
    const { stdout, stderr } = await cli(['scan', photos, '--data', data]);
    expect(stdout).toMatch(/scan: 11\/11 photos, [\d.]+ photos\/s, ETA \d+s/);
    expect(stderr).toMatch(/11 indexed, 0 unchanged, 0 rejected/);

    const exp = await exported();
    expect(Object.keys(exp).sort()).toEqual(['people', 'photos']);
    expect(exp.photos.map((p) => p.path)).toContain('trips/2003/sharon 1.jpg');
    const photo = exp.photos.find((p) => p.path === 'putin/h1.jpg') as unknown as {
      width: number;
      height: number;
      faces: Record<string, unknown>[];
    };
    expect(photo.width).toBe(250);
    expect(photo.height).toBe(250);
    expect(Object.keys(photo.faces[0]!).sort()).toEqual(['box', 'clusterable', 'personId', 'quality']);
    expect(Object.keys(photo.faces[0]!.box as object).sort()).toEqual(['height', 'left', 'top', 'width']);
    for (const p of exp.people)
      expect(Object.keys(p).sort()).toEqual(['faceCount', 'id', 'imageCount', 'name', 'videoCount']);
    expect(exp.photos.every((p) => p.mediaType === 'image')).toBe(true);

    putin = personOf(exp, 'putin/h1.jpg')!;
    sharon = personOf(exp, 'trips/2003/sharon 1.jpg')!;
    schroeder = personOf(exp, 'schroeder-1.jpg')!;
    expect(new Set([putin, sharon, schroeder]).size).toBe(3);
    for (let i = 2; i <= 4; i++) expect(personOf(exp, `putin/h${i}.jpg`)).toBe(putin);
    for (let i = 2; i <= 3; i++) expect(personOf(exp, `schroeder-${i}.jpg`)).toBe(schroeder);
    expect(exp.people.find((p) => p.id === putin)).toMatchObject({ imageCount: 4 });

    const withEmbeddings = JSON.parse((await cli(['export', '--data', data, '--embeddings'])).stdout);
    const emb = withEmbeddings.photos[0].faces[0].embedding as number[];
    expect(emb).toHaveLength(128);
    expect(emb.every((v) => typeof v === 'number')).toBe(true);
  }, 240_000);

  it('API edits (rename, hide, merge, not-this-person) survive a full recluster and a restart', async () => {
    let daemon = await startDaemon();
    try {
      const http = api(daemon.url);
      const people = await http.get<{ items: PersonJson[] }>('/people');
      expect(people.status).toBe(200);
      expect(people.body.items.map((p) => p.id).sort()).toEqual([putin, sharon, schroeder].sort());
      expect(
        (await http.send('PATCH', `/people/${putin}`, { name: 'Putin', labels: { team: 'red' } })).body,
      ).toMatchObject({ name: 'Putin', labels: { team: 'red' } });
      expect((await http.send('PATCH', `/people/${sharon}`, { hidden: true })).status).toBe(200);

      const merge = await http.send<{ task: { id: string; status: string; type: string } }>(
        'POST',
        '/people/merge',
        { from: [schroeder], into: putin },
      );
      expect(merge.status).toBe(202);
      expect(merge.body.task).toMatchObject({ status: 'succeeded', type: 'merge' });
      expect((await http.get<{ status: string }>(`/tasks/${merge.body.task.id}`)).body.status).toBe(
        'succeeded',
      );
      // A merged-away id answers with the person it was merged into (the page follows it).
      expect((await http.get<PersonJson>(`/people/${schroeder}`)).body.id).toBe(putin);
      expect((await http.get<PersonJson>(`/people/${putin}`)).body).toMatchObject({
        name: 'Putin',
        faceCount: 7,
        imageCount: 7,
      });

      // "Not this person" on one of Putin's own faces.
      const putinPhotos = await http.get<{ items: PhotoJson[] }>(`/people/${putin}/photos?limit=100`);
      const h4 = putinPhotos.body.items
        .find((p) => p.key === 'putin/h4.jpg')!
        .faces.find((f) => f.personId === putin)!;
      expect((await http.send('DELETE', `/people/${putin}/faces/${h4.id}`, {})).status).toBe(200);
      expect((await http.get<PersonJson>(`/people/${putin}`)).body.faceCount).toBe(6);
    } finally {
      await daemon.close();
    }

    const { stdout } = await cli(['recluster', '--data', data, '--photos', photos]);
    expect(stdout).toContain('"event":"clustering.succeeded"');

    daemon = await startDaemon();
    try {
      const http = api(daemon.url);
      const person = (await http.get<PersonJson>(`/people/${putin}`)).body;
      expect(person).toMatchObject({ id: putin, name: 'Putin', faceCount: 6, imageCount: 6 });
      // A merged-away id answers with the person it was merged into (the page follows it).
      expect((await http.get<PersonJson>(`/people/${schroeder}`)).body.id).toBe(putin);
      const visible = (await http.get<{ items: PersonJson[] }>('/people')).body.items.map((p) => p.id);
      expect(visible).toContain(putin);
      expect(visible).not.toContain(sharon);
      const all = (await http.get<{ items: PersonJson[] }>('/people?hidden=include')).body.items;
      // The person and its hidden flag survive; exact membership after a full re-cluster is the clusterer's call.
      const hidden = all.find((p) => p.id === sharon)!;
      expect(hidden.hidden).toBe(true);
      expect(hidden.imageCount).toBeGreaterThanOrEqual(3);
      const h4 = (await http.get<PhotoJson>('/photos/faces?uri=putin/h4.jpg')).body;
      expect(h4.faces.some((f) => f.personId === putin)).toBe(false);
    } finally {
      await daemon.close();
    }
  }, 240_000);

  it('a restart catches up on changes made while stopped and never re-analyses known content', async () => {
    rmSync(join(photos, 'trips/2003/sharon 4.jpg'));
    place('Gerhard_Schroeder/3.jpg', 'new/schroeder-4.jpg');
    copyFileSync(join(photos, 'putin/h1.jpg'), join(photos, 'h1 again.jpg'));
    mkdirSync(join(photos, 'copies'), { recursive: true });
    copyFileSync(join(photos, 'putin/h2.jpg'), join(photos, 'copies/h2 copy.jpg'));
    analysed.length = 0;

    const daemon = await startDaemon();
    try {
      const http = api(daemon.url);
      expect(
        (await http.get(`/photos/faces?uri=${encodeURIComponent('trips/2003/sharon 4.jpg')}`)).status,
      ).toBe(404);
      const added = await http.get<PhotoJson>('/photos/faces?uri=new/schroeder-4.jpg');
      expect(added.status).toBe(200);
      expect(added.body.faces.length).toBeGreaterThan(0);
      const copy = await http.get<PhotoJson>(`/photos/faces?uri=${encodeURIComponent('copies/h2 copy.jpg')}`);
      expect(copy.status).toBe(200);
      expect(copy.body.faces.length).toBeGreaterThan(0);
      // Only the genuinely new content went through the engine; the copies reused their analyses.
      expect(analysed.map((p) => p.slice(photos.length + 1)).sort()).toEqual(['new/schroeder-4.jpg']);
      const stats = (await http.get<{ photoCount: number }>('/stats')).body;
      expect(stats.photoCount).toBe(13);
      // A copy has the original's faces and their person, under its own face ids.
      const original = (await http.get<PhotoJson>('/photos/faces?uri=putin/h1.jpg')).body;
      const again = (await http.get<PhotoJson>(`/photos/faces?uri=${encodeURIComponent('h1 again.jpg')}`))
        .body;
      expect(again.faces.map((f) => f.box)).toEqual(original.faces.map((f) => f.box));
      expect(again.faces.map((f) => f.id)).not.toEqual(original.faces.map((f) => f.id));
      expect(again.faces.map((f) => f.personId)).toEqual(original.faces.map((f) => f.personId));
      expect(again.faces.some((f) => f.personId === putin)).toBe(true);
    } finally {
      await daemon.close();
    }
  }, 240_000);

  it('the watcher indexes new files and removals; bad files (empty, text, truncated, over the pixel limit, symlink out) are logged once, remembered, and lose nothing', async () => {
    const daemon = await startDaemon();
    try {
      const http = api(daemon.url);
      const before = (await http.get<{ photoCount: number }>('/stats')).body.photoCount;
      const from = logs.lines().length;
      writeFileSync(join(photos, 'empty.jpg'), '');
      writeFileSync(join(photos, 'notes.jpg'), 'this is a text file with a photo name\n');
      writeFileSync(
        join(photos, 'broken.jpg'),
        readFileSync(join(DEV, 'Hugo_Chavez/5.jpg')).subarray(0, 2500),
      );
      writeFileSync(join(outside, 'secret.jpg'), readFileSync(join(DEV, 'Hugo_Chavez/6.jpg')));
      symlinkSync(join(outside, 'secret.jpg'), join(photos, 'link-out.jpg'));
      await sharp({ create: { width: 600, height: 400, channels: 3, background: '#808080' } })
        .jpeg()
        .toFile(join(photos, 'huge.jpg'));
      place('Ariel_Sharon/5.jpg', 'trips/2003/sharon 5.jpg');
      rmSync(join(photos, 'schroeder-3.jpg'));
      rmSync(join(photos, 'copies'), { recursive: true }); // a whole folder goes
      // A photo copied in slowly: any prefix of it is a truncated JPEG. Pauses are longer than the change
      // queue's batching window (250 ms) but shorter than the write-settle time (600 ms).
      const slow = readFileSync(join(DEV, 'Ariel_Sharon/7.jpg'));
      const chunks = 5;
      for (let i = 0; i < chunks; i++) {
        writeFileSync(
          join(photos, 'slow.jpg'),
          slow.subarray(Math.floor((i * slow.length) / chunks), Math.floor(((i + 1) * slow.length) / chunks)),
          { flag: i ? 'a' : 'w' },
        );
        await new Promise((r) => setTimeout(r, 330));
      }
      mkdirSync(join(photos, 'moved'));
      // Moves reuse the analysis and keep what was known: h3's person, and h4's "not this person".
      renameSync(join(photos, 'putin/h3.jpg'), join(photos, 'moved/h3.jpg'));
      renameSync(join(photos, 'putin/h4.jpg'), join(photos, 'moved/h4.jpg'));
      analysed.length = 0;

      await until(
        'new photo indexed',
        async () =>
          (await http.get(`/photos/faces?uri=${encodeURIComponent('trips/2003/sharon 5.jpg')}`)).status ===
          200,
      );
      await until(
        'removal seen',
        async () => (await http.get('/photos/faces?uri=schroeder-3.jpg')).status === 404,
      );
      await until(
        'folder removal seen',
        async () =>
          (await http.get(`/photos/faces?uri=${encodeURIComponent('copies/h2 copy.jpg')}`)).status === 404,
      );
      await until(
        'slow photo indexed',
        async () => (await http.get('/photos/faces?uri=slow.jpg')).status === 200,
      );
      await until(
        'moves seen',
        async () =>
          (await http.get('/photos/faces?uri=moved/h4.jpg')).status === 200 &&
          (await http.get('/photos/faces?uri=putin/h4.jpg')).status === 404 &&
          (await http.get('/photos/faces?uri=moved/h3.jpg')).status === 200,
      );
      await until(
        'bad files logged',
        async () =>
          logs
            .lines()
            .slice(from)
            .filter((l) => l.outcome === 'rejected').length >= 5,
        20_000,
      );
      await daemon.idle();

      const rejected = logs
        .lines()
        .slice(from)
        .filter((l) => l.event === 'photo.index' && l.outcome === 'rejected');
      const byUri = (name: string) => rejected.filter((l) => l.uri === `oss://local/${name}`);
      expect(byUri('empty.jpg')).toHaveLength(1);
      expect(byUri('empty.jpg')[0]!.reason).toMatch(/^empty/);
      expect(byUri('notes.jpg')).toHaveLength(1);
      expect(byUri('notes.jpg')[0]!.reason).toMatch(/^not_an_image/);
      expect(byUri('broken.jpg')).toHaveLength(1);
      expect(byUri('broken.jpg')[0]!.reason).toMatch(/^corrupt/);
      expect(byUri('link-out.jpg')).toHaveLength(1);
      expect(byUri('link-out.jpg')[0]!.reason).toMatch(/^outside_folder/);
      expect(byUri('huge.jpg')).toHaveLength(1);
      expect(byUri('huge.jpg')[0]!.reason).toMatch(/^too_many_pixels/);
      expect(analysed.some((p) => p.includes('secret.jpg') || p.includes('link-out'))).toBe(false);
      expect(analysed.some((p) => p.includes('moved/'))).toBe(false);
      const movedH3 = (await http.get<PhotoJson>('/photos/faces?uri=moved/h3.jpg')).body;
      expect(movedH3.faces.some((f) => f.personId === putin)).toBe(true);
      const movedH4 = (await http.get<PhotoJson>('/photos/faces?uri=moved/h4.jpg')).body;
      expect(movedH4.faces.length).toBeGreaterThan(0);
      expect(movedH4.faces.some((f) => f.personId === putin)).toBe(false);
      expect(
        logs
          .lines()
          .slice(from)
          .filter((l) => l.uri === 'oss://local/slow.jpg')
          .map((l) => l.outcome),
      ).toEqual(['done']);
      expect(analysed.filter((p) => p.endsWith('slow.jpg'))).toHaveLength(1);

      const stats = (await http.get<{ photoCount: number }>('/stats')).body;
      expect(stats.photoCount).toBe(before); // +2 new, −1 removed, −1 folder of one, a move, bad files not counted
      expect((await http.get('/photos/faces?uri=putin/h1.jpg')).status).toBe(200);
    } finally {
      await daemon.close();
    }

    // Refusals are remembered: a restart neither re-reads nor re-logs them.
    const from = logs.lines().length;
    const again = await startDaemon();
    await again.close();
    expect(
      logs
        .lines()
        .slice(from)
        .filter((l) => l.outcome === 'rejected')
        .map((l) => `${l.uri}: ${l.reason}`),
    ).toEqual([]);
    const status = JSON.parse((await cli(['status', '--data', data, '--photos', photos])).stdout);
    expect(status.rejected.count).toBe(5);
    expect(status.pending).toEqual({ toIndex: 0, toRemove: 0 });
  }, 240_000);

  it('serves photo bytes and face crops on signed /media links, rejects tampering, and detects uploads', async () => {
    const daemon = await startDaemon();
    try {
      const http = api(daemon.url);
      const photo = (await http.get<PhotoJson>('/photos/faces?uri=putin/h1.jpg')).body;
      expect(photo.photoUrl.startsWith(`${daemon.url}/media/photo?`)).toBe(true);
      const bytes = await fetch(photo.photoUrl);
      expect(bytes.status).toBe(200);
      expect(bytes.headers.get('content-type')).toBe('image/jpeg');
      expect(Buffer.from(await bytes.arrayBuffer()).equals(readFileSync(join(photos, 'putin/h1.jpg')))).toBe(
        true,
      );

      const face = await fetch(photo.faces[0]!.faceUrl!);
      expect(face.status).toBe(200);
      const crop = Buffer.from(await face.arrayBuffer());
      expect(crop.subarray(0, 2).toString('hex')).toBe('ffd8');
      expect(existsSync(join(data, 'thumbnails'))).toBe(true);
      // A warm crop is served from memory; the photo it was cut from leaving the album still ends it.
      const warm = await fetch(photo.faces[0]!.faceUrl!);
      expect(Buffer.from(await warm.arrayBuffer()).equals(crop)).toBe(true);
      const h1 = readFileSync(join(photos, 'putin/h1.jpg'));
      rmSync(join(photos, 'putin/h1.jpg'));
      await until(
        'the removed photo to be unindexed',
        async () => (await fetch(photo.faces[0]!.faceUrl!)).status === 404,
      );
      writeFileSync(join(photos, 'putin/h1.jpg'), h1);
      await until('the photo to be back', async () => (await fetch(photo.faces[0]!.faceUrl!)).status === 200);

      const tampered = new URL(photo.photoUrl);
      tampered.searchParams.set('key', 'trips/2003/sharon 1.jpg');
      expect((await fetch(tampered)).status).toBe(401);
      const badSig = new URL(photo.faces[0]!.faceUrl!);
      badSig.searchParams.set(
        'sig',
        badSig.searchParams.get('sig')!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
      );
      expect((await fetch(badSig)).status).toBe(401);

      const byUri = await http.send<{ faces: { box: object; clusterable: boolean }[] }>('POST', '/detect', {
        uri: 'putin/h2.jpg',
      });
      expect(byUri.status).toBe(200);
      expect(byUri.body.faces.length).toBeGreaterThan(0);
      const upload = await fetch(`${daemon.url}/detect`, {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg' },
        body: readFileSync(join(DEV, 'Ariel_Sharon/6.jpg')),
      });
      expect(upload.status).toBe(200);
      expect(((await upload.json()) as { faces: unknown[] }).faces.length).toBeGreaterThan(0);
      const junk = await fetch(`${daemon.url}/detect`, {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg' },
        body: 'not an image',
      });
      expect(junk.status).toBe(400);
    } finally {
      await daemon.close();
    }
  }, 240_000);
});
