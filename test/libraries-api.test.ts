/**
 * Prefix mode's HTTP layer on the real local server: two real local albums (real SQLite, real clustering
 * of synthetic faces) as libraries `alice` and `bob`. The admin key opens both; a library token opens
 * only its own library, and every route of another library answers exactly as a missing library does.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sign } from 'hono/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlbumService } from '../src/album/album-service';
import { loadAlbumConfig } from '../src/config/album-config';
import { createApiApp } from '../src/http/api-app';
import { mintLibraryToken } from '../src/library/library-token';
import { prefixLibraries } from '../src/library/prefix-libraries';
import { clusteringSession } from '../src/local/cluster/clustering-session';
import { type LocalAlbum, openLocalAlbum } from '../src/local/local-runtime';
import { type LocalServer, startLocalServer } from '../src/local/server/local-server';
import { CHROMIUM_PATH, chromiumFound, HOW_TO_ENABLE, launchChromium } from './support/chromium';
import { captureLogs } from './support/log-capture';
import { SYNTHETIC_THRESHOLDS, syntheticFace, syntheticPhoto, TightGroups } from './support/synthetic-faces';

const ADMIN = 'admin-key-0123456789abcdef';
const SECRET = 'token-secret-0123456789abcdefghijklmnop';
const work = mkdtempSync(join(tmpdir(), 'fa-libraries-api-'));
const logs = captureLogs();
const albums = new Map<string, LocalAlbum>();
const services = new Map<string, AlbumService>();
let server: LocalServer;
let photo = 0;

const config = loadAlbumConfig({
  LIBRARY_MODE: 'prefix',
  PHOTO_PREFIX: '',
  ALBUM_API_KEY: ADMIN,
  ALBUM_TOKEN_SECRET: SECRET,
});

/** One library: a real local album whose photos live under `<library>/`, clustered into `people` people. */
async function library(name: string, groups: TightGroups, people: number): Promise<void> {
  const album = openLocalAlbum({
    photosDir: join(work, name, 'photos'),
    dataDir: join(work, name, 'data'),
    env: {},
    createEngine: () => Promise.reject(new Error('engine not used in this test')),
    clusterer: clusteringSession(SYNTHETIC_THRESHOLDS),
    log: logs.log,
  });
  for (let p = 0; p < people; p++)
    for (let k = 0; k < 4; k++) {
      const hash = `${name}-hash-${++photo}`;
      album.photos.saveAnalysis(hash, syntheticPhoto(syntheticFace(groups.face(p))));
      album.photos.upsertPhoto(`${name}/${photo}.jpg`, hash, { size: 1, mtimeMs: photo }, () => true);
    }
  const run = await album.backend.runClustering({ deadline: Date.now() + 60_000, log: logs.log });
  expect(run.outcome).toBe('succeeded');
  albums.set(name, album);
  // The library's album: the folder's photos under `<name>/`, in prefix mode.
  services.set(
    name,
    new AlbumService(
      album.backend,
      { photoUrl: (u) => u, posterUrl: (u) => u, faceUrl: (u) => u, epoch: () => 'links-1' },
      {
        ...config,
        photoPrefix: `${name}/`,
      },
    ),
  );
}

const call = (path: string, auth: string | null, init: RequestInit = {}) =>
  fetch(`${server.url}${path}`, {
    ...init,
    headers: { ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...(init.headers ?? {}) },
  });
const body = async (res: Response) => ({ status: res.status, json: (await res.json()) as any });

let alice: string;
let bob: string;
const ids: Record<string, string[]> = {};

beforeAll(async () => {
  mkdirSync(work, { recursive: true });
  const groups = new TightGroups(5, 0.02);
  await library('alice', groups, 2);
  await library('bob', groups, 3);
  const app = createApiApp({
    libraries: prefixLibraries({
      backend: 'local',
      photoPrefix: '',
      maxPerTick: 10,
      host: {
        open: async (name) => services.get(name) ?? null,
        list: async () => [...services.keys()].sort(),
        changedLibraries: async () => [],
      },
    }),
    config,
    log: logs.log,
    bucket: 'local',
  });
  server = await startLocalServer({ app, log: logs.log, port: 0 });
  alice = await mintLibraryToken(SECRET, 'alice', 600);
  bob = await mintLibraryToken(SECRET, 'bob', 600);
  for (const name of ['alice', 'bob']) {
    const { json } = await body(await call(`/libraries/${name}/people?limit=50`, ADMIN));
    ids[name] = json.items.map((p: { id: string }) => p.id);
  }
  // Bob's first person gets a name nothing of alice's has: it must never show up in an answer for alice.
  await call(`/libraries/bob/people/${ids.bob![0]}`, ADMIN, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Only-In-Bob' }),
  });
});

afterAll(async () => {
  await server?.close();
  for (const album of albums.values()) await album.close();
  rmSync(work, { recursive: true, force: true });
});

describe('libraries: admin key and library tokens', () => {
  it('gives the admin every library and each its own people', async () => {
    expect((await body(await call('/libraries', ADMIN))).json.items).toEqual([
      { name: 'alice' },
      { name: 'bob' },
    ]);
    expect(ids.alice).toHaveLength(2);
    expect(ids.bob).toHaveLength(3);
    expect(ids.alice!.some((id) => ids.bob!.includes(id))).toBe(false);
  });

  it('opens only its own library with a token, and lists only that library', async () => {
    const list = await body(await call('/libraries', alice));
    expect(list.json).toEqual({ items: [{ name: 'alice' }], access: 'library' });
    const people = await body(await call('/libraries/alice/people?limit=50', alice));
    expect(people.status).toBe(200);
    expect(people.json.items.map((p: { id: string }) => p.id).sort()).toEqual([...ids.alice!].sort());
  });

  it('answers every route of another library exactly as a library that does not exist', async () => {
    const bobPerson = ids.bob![0]!;
    const json = { 'content-type': 'application/json' };
    const routes: [string, string, RequestInit?][] = [
      ['GET', '/people?limit=5'],
      ['GET', `/people/${bobPerson}`],
      ['GET', `/people/${bobPerson}/photos`],
      ['PATCH', `/people/${bobPerson}`, { headers: json, body: '{"name":"x"}' }],
      [
        'POST',
        '/people/merge',
        { headers: json, body: JSON.stringify({ from: [ids.bob![1]], into: bobPerson }) },
      ],
      ['GET', '/tasks/some-task'],
      ['GET', '/stats'],
      ['GET', '/capabilities'],
      ['GET', `/photos/faces?uri=${encodeURIComponent('oss://local/bob/1.jpg')}`],
      ['POST', '/detect', { headers: json, body: JSON.stringify({ uri: 'oss://local/bob/1.jpg' }) }],
    ];
    for (const [method, path, init] of routes) {
      const foreign = await body(await call(`/libraries/bob${path}`, alice, { method, ...init }));
      const missing = await body(await call(`/libraries/carol${path}`, ADMIN, { method, ...init }));
      expect(foreign.status, `${method} ${path}`).toBe(404);
      expect(missing.status, `${method} ${path}`).toBe(404);
      expect(foreign.json.error.code).toBe(missing.json.error.code);
      expect(foreign.json.error.message.replace('bob', 'carol')).toBe(missing.json.error.message);
    }
    // Nothing of bob's was changed by those requests.
    const named = await body(await call(`/libraries/bob/people/${bobPerson}`, ADMIN));
    expect(named.json.name).toBe('Only-In-Bob');
    expect((await body(await call('/libraries/bob/people?limit=50', ADMIN))).json.items).toHaveLength(3);
  });

  it("never reaches another library's people or photos from inside its own library", async () => {
    const person = await call(`/libraries/alice/people/${ids.bob![0]}`, alice);
    expect(person.status).toBe(404);
    const photos = await call(`/libraries/alice/people/${ids.bob![0]}/photos`, alice);
    expect(photos.status).toBe(404);
    for (const uri of ['oss://local/bob/6.jpg', 'bob/6.jpg', 'oss://other-bucket/alice/1.jpg']) {
      const faces = await body(
        await call(`/libraries/alice/photos/faces?uri=${encodeURIComponent(uri)}`, alice),
      );
      expect(faces.status, uri).toBe(404);
      expect(faces.json.error.message).toContain('not in this library');
    }
    const own = await body(
      await call(`/libraries/alice/photos/faces?uri=${encodeURIComponent('alice/1.jpg')}`, alice),
    );
    expect(own.status).toBe(200);
    const everything = JSON.stringify(
      await Promise.all(
        ['/people?limit=50', `/people/${ids.alice![0]}/photos`, '/stats'].map(async (p) =>
          (await call(`/libraries/alice${p}`, alice)).json(),
        ),
      ),
    );
    expect(everything).not.toContain('Only-In-Bob');
    expect(everything).not.toContain('bob/');
  });

  it("shows a token its library's folder name, not the server's path; the admin sees the path", async () => {
    const mine = await body(await call('/libraries/alice/capabilities', alice));
    expect(mine.json.source).toEqual({ kind: 'folder', path: 'alice' });
    const admin = await body(await call('/libraries/alice/capabilities', ADMIN));
    expect(admin.json.source.path).toBe(join(work, 'alice', 'photos'));
  });

  it('refuses bad, expired, wrongly signed and claim-less tokens with 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, string | null, string][] = [
      ['no credential', null, 'missing bearer token'],
      ['wrong key', 'not-the-admin-key-at-all', 'wrong bearer token'],
      ['expired', await mintLibraryToken(SECRET, 'alice', 1, Date.now() - 10_000), 'token expired'],
      ['other secret', await mintLibraryToken(`${SECRET}-other`, 'alice', 600), 'invalid token'],
      ['no exp', await sign({ lib: 'alice', iat: now }, SECRET, 'HS256'), 'token has no exp claim'],
      [
        'bad lib',
        await sign({ lib: '../bob', exp: now + 600 }, SECRET, 'HS256'),
        'token has no valid lib claim',
      ],
      ['HS512', await sign({ lib: 'alice', exp: now + 600 }, SECRET, 'HS512'), 'invalid token'],
      ['tampered', `${alice.slice(0, -2)}xx`, 'invalid token'],
    ];
    for (const [what, credential, message] of cases) {
      const res = await body(await call('/libraries/alice/people', credential));
      expect(res.status, what).toBe(401);
      expect(res.json.error.message, what).toBe(message);
    }
    expect((await call('/libraries/bob/people', bob)).status).toBe(200);
  });

  it('refuses library names that are not names at the edge with 400, before any album is opened', async () => {
    for (const name of ['a%20b', '..%2Fbob', '-x', 'a.b', 'x'.repeat(65), '%F0%9F%99%82']) {
      const res = await body(await call(`/libraries/${name}/people`, ADMIN));
      expect(res.status, name).toBe(400);
      expect(res.json.error.code).toBe('bad_request');
    }
    expect((await call(`/libraries/${'x'.repeat(64)}/people`, ADMIN)).status).toBe(404);
  });

  it('serves no album routes outside /libraries in prefix mode, and says where they are', async () => {
    const res = await body(await call('/people', ADMIN));
    expect(res.status).toBe(404);
    expect(res.json.error.message).toContain('/libraries/:library/');
    expect((await body(await call('/health', null))).json).toEqual({
      ok: true,
      backend: 'local',
      mode: 'prefix',
    });
  });

  it("keeps each library's read answers apart: a write in one does not drop the other's", async () => {
    const first = await call('/libraries/alice/people?limit=50', alice);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    await call(`/libraries/bob/people/${ids.bob![1]}`, bob, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bob Two' }),
    });
    const again = await call('/libraries/alice/people?limit=50', alice, {
      headers: { 'if-none-match': etag! },
    });
    expect(again.status).toBe(304);
    const bobs = await body(await call('/libraries/bob/people?limit=50', bob));
    expect(bobs.json.items.map((p: { name: string | null }) => p.name)).toContain('Bob Two');
  });
});

const browserFound = chromiumFound();
if (!browserFound && process.env.CI) throw new Error(`no Chromium at ${CHROMIUM_PATH}: ${HOW_TO_ENABLE}`);

describe.skipIf(!browserFound)('the People page with many libraries', () => {
  const shots = resolve(import.meta.dirname, '../test-artifacts/web');
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => browser?.close());

  const signIn = async (credential: string) => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/`);
    const field = page.getByRole('textbox', { name: 'API key or token' });
    await field.fill(credential);
    await field.press('Enter');
    return page;
  };
  const peopleCount = (page: Awaited<ReturnType<typeof signIn>>) =>
    page.getByRole('list', { name: 'People' }).getByRole('listitem').count();

  it("shows a token's own library by name, with no way to pick another", async () => {
    const page = await signIn(alice);
    await page.getByText('Library alice').waitFor();
    await expect.poll(() => peopleCount(page), { timeout: 15_000 }).toBe(2);
    expect(await page.getByRole('combobox', { name: 'Library' }).count()).toBe(0);
    await page.screenshot({ path: join(shots, 'libraries-token.png') });
    await page.close();
  });

  it('lets the admin key choose a library from a labelled picker, by keyboard', async () => {
    const page = await signIn(ADMIN);
    await page.getByText('Choose a library to see its people.').waitFor();
    const picker = page.getByRole('combobox', { name: 'Library' });
    expect(await picker.locator('option').allTextContents()).toEqual(['Choose a library…', 'alice', 'bob']);
    await picker.focus();
    await picker.selectOption('bob');
    await expect.poll(() => peopleCount(page), { timeout: 15_000 }).toBe(3);
    await page.getByText('Only-In-Bob').waitFor();
    await page.screenshot({ path: join(shots, 'libraries-admin.png') });
    await picker.selectOption('alice');
    await expect.poll(() => peopleCount(page), { timeout: 15_000 }).toBe(2);
    expect(await page.getByText('Only-In-Bob').count()).toBe(0);
    // The choice is kept for the tab: a reload comes back to alice.
    await page.reload();
    await expect.poll(() => peopleCount(page), { timeout: 15_000 }).toBe(2);
    expect(await page.getByRole('combobox', { name: 'Library' }).inputValue()).toBe('alice');
    await page.close();
  });
});
