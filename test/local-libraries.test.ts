/**
 * `start --libraries`: each subfolder of the photos folder is a library with its own album. The daemon runs
 * in-process on real files, real SQLite and a real server on 127.0.0.1; the face engine is a stand-in that
 * reads the identity from the file's text (test/local-libraries-faces.test.ts runs the real engine).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AlbumService } from '../src/album/album-service';
import { mintLibraryToken } from '../src/library/library-token';
import type { FaceEngine } from '../src/local/engine/face-engine';
import { type RunningLibraries, startLibrariesDaemon } from '../src/local/launcher/album-daemon';
import { localFunctions } from '../src/local/launcher/album-functions';
import { openLocalLibraries } from '../src/local/local-libraries';
import { openLocalAlbum } from '../src/local/local-runtime';
import { ChangeQueue } from '../src/local/watch/change-queue';
import { captureLogs } from './support/log-capture';
import { syntheticFace, syntheticPhoto, TightGroups } from './support/synthetic-faces';
import { waitFor } from './support/wait-for';

const KEY = 'admin-key-0123456789';
const auth = { authorization: `Bearer ${KEY}` };
const work = mkdtempSync(join(tmpdir(), 'fa-libraries-'));
const photos = join(work, 'photos');
const data = join(work, 'state');
const logs = captureLogs();

/** A "photo" whose text names the identity on it; the stand-in engine reads it. */
function place(key: string, person: number, root = photos): void {
  mkdirSync(dirname(join(root, key)), { recursive: true });
  writeFileSync(join(root, key), `person:${person}:${key}`);
}

const groups = new TightGroups(11, 0.01);
let enginesMade = 0;
const analysed: string[] = [];
async function textEngine(): Promise<FaceEngine> {
  enginesMade++;
  return {
    concurrency: 1,
    analyze: async (input) => {
      if (!('path' in input)) throw new Error('bytes not used here');
      analysed.push(input.path);
      const person = Number(/^person:(\d+)/.exec(readFileSync(input.path, 'utf8'))![1]);
      return syntheticPhoto(syntheticFace(groups.face(person)));
    },
    close: async () => {},
  };
}

async function start(): Promise<RunningLibraries> {
  const running = await startLibrariesDaemon({
    photosDir: photos,
    dataDir: data,
    port: 0,
    workers: 1,
    env: { ALBUM_API_KEY: KEY },
    createEngine: textEngine,
    log: logs.log,
    quietMs: 200,
    stabilityMs: 300,
    clusterIntervalMs: 3_600_000,
  });
  await running.idle();
  return running;
}

const until = <T>(
  what: string,
  fn: () => T | null | undefined | false | Promise<T | null | undefined | false>,
) => waitFor(what, fn, { timeoutMs: 30_000, intervalMs: 100 });

const service = (running: RunningLibraries, name: string): AlbumService =>
  running.libraries.library(name)!.service;
const personOf = async (running: RunningLibraries, name: string, key: string) =>
  (await service(running, name).getPhoto(`oss://local/${key}`)).faces[0]?.personId ?? null;
const peopleOf = async (running: RunningLibraries, name: string) =>
  (
    await service(running, name).listPeople({
      limit: 100,
      sort: 'imageCount',
      order: 'desc',
      hidden: 'exclude',
    })
  ).items;
const lastClustering = (running: RunningLibraries, name: string) =>
  running.libraries.library(name)!.tasks.last('clustering')?.id;

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('local libraries: one album per subfolder', () => {
  let running: RunningLibraries;
  let aPerson = '';
  let bPerson = '';

  afterAll(async () => {
    await running?.close();
  });

  it('indexes each subfolder into its own library with its own people, through one face engine', async () => {
    for (let i = 1; i <= 3; i++) {
      place(`a/p${i}.jpg`, 1);
      place(`a/trip/s${i}.jpg`, 2);
      place(`b/p${i}.jpg`, 1); // the same face in both libraries
      place(`b/t${i}.jpg`, 3);
    }
    running = await start();
    expect(running.libraries.names()).toEqual(['a', 'b']);
    expect(enginesMade).toBe(1);
    expect(analysed).toHaveLength(12);

    const a = await peopleOf(running, 'a');
    const b = await peopleOf(running, 'b');
    expect(a.map((p) => p.imageCount)).toEqual([3, 3]);
    expect(b.map((p) => p.imageCount)).toEqual([3, 3]);
    aPerson = (await personOf(running, 'a', 'a/p1.jpg'))!;
    bPerson = (await personOf(running, 'b', 'b/p1.jpg'))!;
    expect(aPerson).toBeTruthy();
    expect(bPerson).toBeTruthy();
    // One person in each library, never one shared: a's person does not exist in b, nor b's in a.
    expect(aPerson).not.toBe(bPerson);
    expect(b.map((p) => p.id)).not.toContain(aPerson);
    expect(a.map((p) => p.id)).not.toContain(bPerson);
    await expect(service(running, 'b').getPerson(aPerson)).rejects.toMatchObject({ code: 'not_found' });
    for (let i = 2; i <= 3; i++) expect(await personOf(running, 'a', `a/p${i}.jpg`)).toBe(aPerson);
    // Each library holds its own folder's photos only.
    expect(
      [...running.libraries.library('a')!.photos.knownFiles().keys()].every((k) => k.startsWith('a/')),
    ).toBe(true);
    await expect(service(running, 'a').getPhoto('oss://local/b/p1.jpg')).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(existsSync(join(data, 'libraries', 'a', 'album.db'))).toBe(true);
    expect(existsSync(join(data, 'libraries', 'b', 'album.db'))).toBe(true);
    expect(existsSync(join(data, 'album.db'))).toBe(false);
  });

  it('skips photos outside any library with one log line per file or folder, live ones through the indexer', async () => {
    await running.close();
    logs.clear();
    place('loose.jpg', 4);
    place('bad name/x.jpg', 4);
    place('bad name/deeper/y.jpg', 4);
    place('-dash/z.jpg', 4);
    const before = analysed.length;
    running = await start();
    const skipped = logs.events('library.skipped');
    expect(skipped.map((s) => [s.path, s.photos]).sort()).toEqual([
      ['-dash/', 1],
      ['bad name/', 2],
      ['loose.jpg', undefined],
    ]);
    expect(skipped.find((s) => s.path === 'bad name/')?.reason).toMatch(/not a library folder/);
    expect(skipped.find((s) => s.path === 'loose.jpg')?.reason).toMatch(
      /directly under the photos folder, not in a library folder/,
    );
    expect(running.libraries.names()).toEqual(['a', 'b']);
    expect(analysed.length).toBe(before);

    // A stray that arrives while running goes to the indexer handler, which skips it (as on FC).
    place('another-loose.jpg', 4);
    await until('the indexer skipped the live stray', () =>
      logs.events('photo.skipped').some((l) => l.key === 'another-loose.jpg'),
    );
    expect(analysed.length).toBe(before);
    expect(running.libraries.knownFiles().has('another-loose.jpg')).toBe(false);
  });

  it('the timer clusters only the libraries that changed', async () => {
    await running.idle();
    const aTask = lastClustering(running, 'a');
    const bTask = lastClustering(running, 'b');
    logs.clear();
    place('a/p4.jpg', 1);
    await until('a/p4.jpg is indexed', () => running.libraries.knownFiles().has('a/p4.jpg'));
    await running.idle();
    expect(lastClustering(running, 'a')).not.toBe(aTask);
    expect(lastClustering(running, 'b')).toBe(bTask);
    expect(await personOf(running, 'a', 'a/p4.jpg')).toBe(aPerson);
    const ticks = logs.events('clustering.libraries');
    expect(ticks.at(-1)).toMatchObject({ changed: 1, clustered: 1, remaining: 0 });

    // A tick with nothing new makes no clustering call at all.
    const fns = localFunctions({ runtime: running.libraries.factory, log: logs.log, bucket: 'local' });
    const tick = await fns.cluster('test-timer');
    expect(tick).toMatchObject({ ok: true, outcome: 'skipped', libraries: [], remaining: 0 });
    expect(lastClustering(running, 'a')).not.toBe(aTask);
  });

  it('a folder that appears while running becomes a library', async () => {
    for (let i = 1; i <= 3; i++) place(`c/q${i}.jpg`, 1);
    await until('library c', () => running.libraries.names().includes('c'));
    await until('c is indexed', () => running.libraries.library('c')?.photos.knownFiles().size === 3);
    await running.idle();
    const c = await peopleOf(running, 'c');
    expect(c).toHaveLength(1);
    expect([aPerson, bPerson]).not.toContain(c[0]!.id);
    expect(logs.events('library.created').map((l) => l.library)).toEqual(['c']);
  });

  it('serves each library under /libraries/:library: a token of a reaches a only, the admin key both', async () => {
    const url = running.url;
    const token = await mintLibraryToken(running.libraries.tokenSecret, 'a', 600);
    const asA = { authorization: `Bearer ${token}` };
    const get = (path: string, headers: Record<string, string>) => fetch(url + path, { headers });
    const photoQuery = (key: string) => `/photos/faces?uri=${encodeURIComponent(`oss://local/${key}`)}`;
    expect((await get('/libraries/a/people', {})).status).toBe(401);
    expect(await (await get('/libraries', auth)).json()).toEqual({
      items: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
      access: 'admin',
    });
    expect(await (await get('/libraries', asA)).json()).toEqual({
      items: [{ name: 'a' }],
      access: 'library',
    });

    // a's people, person, photos and media with a's token.
    const people = (await (await get('/libraries/a/people', asA)).json()) as {
      items: { id: string; cover: { photoUrl: string; faceUrl: string } }[];
    };
    expect(people.items.map((p) => p.id)).toContain(aPerson);
    expect((await get(`/libraries/a/people/${aPerson}`, asA)).status).toBe(200);
    expect((await get(`/libraries/a/people/${aPerson}/photos`, asA)).status).toBe(200);
    expect((await get(`/libraries/a${photoQuery('a/p1.jpg')}`, asA)).status).toBe(200);
    const link = people.items.find((p) => p.id === aPerson)!.cover.photoUrl;
    expect(link.startsWith(`${url}/libraries/a/media/photo?`)).toBe(true);
    const bytes = await fetch(link);
    expect(bytes.status).toBe(200);
    expect(await bytes.text()).toMatch(/^person:1:a\//);

    // b's person ids, photo URIs and media: 404 from a's token, the same as what does not exist.
    const bPeople = (await (await get('/libraries/b/people', auth)).json()) as typeof people;
    const bLink = bPeople.items.find((p) => p.id === bPerson)!.cover.photoUrl;
    for (const path of [
      `/libraries/b/people`,
      `/libraries/b/people/${bPerson}`,
      `/libraries/a/people/${bPerson}`,
      `/libraries/a/people/${bPerson}/photos`,
      `/libraries/b${photoQuery('b/t1.jpg')}`,
      `/libraries/a${photoQuery('b/t1.jpg')}`,
      `/libraries/nope/people`,
    ])
      expect([path, (await get(path, asA)).status]).toEqual([path, 404]);
    // b's link under a's routes, and a's link under b's: not found there, whatever the signature.
    expect((await fetch(bLink.replace('/libraries/b/', '/libraries/a/'))).status).toBe(404);
    expect((await fetch(link.replace('/libraries/a/', '/libraries/b/'))).status).toBe(404);
    // Detect by URI reads the file: another library's photo is not found, and the engine is not asked.
    const before = analysed.length;
    const detect = await fetch(`${url}/libraries/a/detect`, {
      method: 'POST',
      headers: { ...asA, 'content-type': 'application/json' },
      body: JSON.stringify({ uri: 'oss://local/b/t1.jpg' }),
    });
    expect(detect.status).toBe(404);
    expect(analysed.length).toBe(before);
    // The libraries' own albums refuse another library's photo too (not only the routes).
    await expect(
      service(running, 'a').detect({ kind: 'uri', uri: 'oss://local/b/t1.jpg' }),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(analysed.length).toBe(before);

    // The admin key sees both.
    expect((await get(`/libraries/b/people/${bPerson}`, auth)).status).toBe(200);
    expect((await get(`/libraries/a/people/${aPerson}`, auth)).status).toBe(200);
    expect((await get(`/libraries/b${photoQuery('b/t1.jpg')}`, auth)).status).toBe(200);
    expect((await fetch(bLink)).status).toBe(200);
  });

  it('keeps libraries, people and edits across a restart without analysing again', async () => {
    await service(running, 'a').updatePerson(aPerson, { name: 'Ann' });
    await running.close();
    const before = analysed.length;
    logs.clear();
    running = await start();
    expect(running.libraries.names()).toEqual(['a', 'b', 'c']);
    expect(analysed.length).toBe(before);
    expect(await personOf(running, 'a', 'a/p1.jpg')).toBe(aPerson);
    expect(await personOf(running, 'b', 'b/p1.jpg')).toBe(bPerson);
    expect((await service(running, 'a').getPerson(aPerson)).name).toBe('Ann');
    expect(logs.events('library.created')).toEqual([]);
  });

  it('keeps the token secret in the data dir, readable by the owner only, unless ALBUM_TOKEN_SECRET is set', async () => {
    const file = join(data, 'token-secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const secret = readFileSync(file, 'utf8').trim();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(running.libraries.tokenSecret).toBe(secret);
    expect(running.libraries.config.tokenSecret).toBe(secret);
    await running.close();
    const fromEnv = 'e'.repeat(40);
    const libs = openLocalLibraries({
      photosDir: photos,
      dataDir: data,
      env: { ALBUM_TOKEN_SECRET: fromEnv },
      createEngine: textEngine,
      log: logs.log,
    });
    expect(libs.tokenSecret).toBe(fromEnv);
    await libs.close();
    expect(readFileSync(file, 'utf8').trim()).toBe(secret);
  });

  it('refuses a data dir made in the other mode, naming the way out', async () => {
    const opts = { photosDir: photos, env: {}, createEngine: textEngine, log: logs.log };
    expect(() => openLocalAlbum({ ...opts, dataDir: data })).toThrow(/holds one album per library/);
    expect(existsSync(join(data, 'album.db'))).toBe(false);
    const single = join(work, 'single');
    await openLocalAlbum({ ...opts, dataDir: single }).close();
    expect(() => openLocalLibraries({ ...opts, dataDir: single })).toThrow(/holds a single album/);
    expect(existsSync(join(single, 'libraries.json'))).toBe(false);
    expect(() => openLocalLibraries({ ...opts, dataDir: data, photosDir: join(work, 'other') })).toThrow(
      /holds the libraries of/,
    );
  });
});

describe('local libraries: clustering ticks', () => {
  it('clusters at most maxPerTick libraries per tick, the longest waiting first, and resumes on the next', async () => {
    const root = join(work, 'ticks');
    const libs = openLocalLibraries({
      photosDir: join(root, 'photos'),
      dataDir: join(root, 'data'),
      env: {},
      createEngine: textEngine,
      maxPerTick: 2,
      log: logs.log,
    });
    const fns = localFunctions({ runtime: libs.factory, log: logs.log, bucket: 'local' });
    const add = async (...keys: string[]) => {
      for (const key of keys) place(key, 5, join(root, 'photos'));
      expect((await fns.index(keys.map((key) => ({ kind: 'created' as const, key })))).ok).toBe(true);
    };
    const clustered = async () => ((await fns.cluster('tick')).libraries ?? []).map((l) => l.library);
    try {
      await add('z/1.jpg', 'x/1.jpg', 'y/1.jpg');
      expect(libs.names()).toEqual(['x', 'y', 'z']);
      expect(await clustered()).toEqual(['x', 'y']);
      expect((await fns.cluster('tick')).libraries?.map((l) => l.library)).toEqual(['z']);
      expect(await clustered()).toEqual([]);
      // x again alone: now x was clustered last. Then x and z change: z has waited longer, so z goes first.
      await add('x/2.jpg');
      expect(await clustered()).toEqual(['x']);
      await add('x/3.jpg', 'z/2.jpg');
      const tick = await fns.cluster('tick');
      expect(tick.libraries?.map((l) => l.library)).toEqual(['z', 'x']);
      expect(tick.remaining).toBe(0);
    } finally {
      await libs.close();
    }
  });
});

describe('local libraries: the change queue', () => {
  it("counts each library's waiting changes apart, so a library's stats show only its own", async () => {
    const delivered: string[] = [];
    const queue = new ChangeQueue({
      log: logs.log,
      batchWindowMs: 50,
      deliver: async (batch) => {
        delivered.push(...batch.map((c) => c.key));
      },
    });
    for (const key of ['a/1.jpg', 'a/2.jpg', 'ab/1.jpg', 'b/1.jpg'])
      queue.push({ kind: 'created', key, size: 1 });
    const queued = (prefix: string) => queue.countsUnder(prefix).queued;
    expect([queued('a/'), queued('ab/'), queued('b/'), queue.size]).toEqual([2, 1, 1, 4]);
    await queue.idle();
    expect(delivered).toHaveLength(4);
    expect(queued('a/')).toBe(0);
  });
});

describe('local libraries: the daemon past a bounded tick', () => {
  it('clusters the libraries a tick did not reach right after it, not at the next timer tick', async () => {
    const root = join(work, 'continue');
    for (const lib of ['x', 'y', 'z'])
      for (let i = 1; i <= 3; i++) place(`${lib}/${i}.jpg`, 6, join(root, 'photos'));
    const running = await startLibrariesDaemon({
      photosDir: join(root, 'photos'),
      dataDir: join(root, 'data'),
      port: 0,
      workers: 1,
      env: {},
      createEngine: textEngine,
      log: logs.log,
      maxPerTick: 1,
      quietMs: 200,
      stabilityMs: 300,
      clusterIntervalMs: 3_600_000,
    });
    try {
      await running.idle();
      expect(running.libraries.names()).toEqual(['x', 'y', 'z']);
      for (const lib of ['x', 'y', 'z'])
        expect((await peopleOf(running, lib)).map((p) => p.imageCount)).toEqual([3]);
    } finally {
      await running.close();
    }
  });
});
