/**
 * The People page end to end: Debian's Chromium (playwright-core) drives the page the api serves,
 * against the local backend on real faces-dev photos (the real engine, SQLite, the launcher's HTTP
 * server), then against the IMM backend (fake IMM on 127.0.0.1). Screenshots of every view go to
 * test-artifacts/web/. Without a Chromium the suite is skipped with a message; under CI it fails.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Person, Photo } from '../src/album/types';
import { FcContextSchema } from '../src/fc/fc-context';
import { createImmRuntimeFactory } from '../src/imm/imm-runtime';
import type { RunningAlbum } from '../src/local/launcher/album-daemon';
import { type LocalServer, startLocalServer } from '../src/local/server/local-server';
import { createLogger } from '../src/log/logger';
import { type FakeImm, goodFace, startFakeImm } from './fake-imm/fake-imm';
import { fcContext, immEnv, immFunctions, ossEvent, setEnv, timerEvent } from './fake-imm/fc-events';
import { CHROMIUM_PATH, chromiumFound, HOW_TO_ENABLE, launchChromium } from './support/chromium';
import { startPageAlbum } from './support/page-album';
import { startStaticOss } from './support/static-oss';

const DEV = resolve(import.meta.dirname, '../../shared/datasets/faces-dev');
const ARTIFACTS = resolve(import.meta.dirname, '../test-artifacts/web');
/** Four identities, a few photos each: enough for people to form, little CPU. */
const IDENTITIES: Record<string, number> = {
  Hugo_Chavez: 4,
  Colin_Powell: 4,
  Ariel_Sharon: 4,
  Jennifer_Capriati: 3,
};
const GROUP = 'group/two people.jpg';

/** Server-side logs stay quiet unless something fails. */
const log = createLogger({ level: 'error' });
const found = chromiumFound();
if (!found) {
  const message = `web page tests SKIPPED: no Chromium at ${CHROMIUM_PATH}; to run them, ${HOW_TO_ENABLE}`;
  if (process.env.CI) throw new Error(`${message} (CI is set, so a missing Chromium is a failure)`);
  console.warn(message);
}

/** Photos folder: the identities, plus one photo holding two of them side by side. */
async function photosFolder(root: string): Promise<string[]> {
  const keys: string[] = [];
  for (const [who, n] of Object.entries(IDENTITIES))
    for (let i = 1; i <= n; i++) {
      const key = `${who}/${i}.jpg`;
      mkdirSync(dirname(join(root, key)), { recursive: true });
      copyFileSync(join(DEV, key), join(root, key));
      keys.push(key);
    }
  const tiles = await Promise.all(
    ['Hugo_Chavez/5.jpg', 'Colin_Powell/5.jpg'].map((f) => sharp(join(DEV, f)).resize(400, 400).toBuffer()),
  );
  mkdirSync(join(root, 'group'), { recursive: true });
  await sharp({ create: { width: 800, height: 400, channels: 3, background: '#222' } })
    .composite(tiles.map((input, i) => ({ input, left: i * 400, top: 0 })))
    .jpeg()
    .toFile(join(root, GROUP));
  keys.push(GROUP);
  return keys;
}

/** Console errors and uncaught exceptions of a page; `allow` drops expected ones. */
function watchConsole(page: Page, allow: RegExp[] = []): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !allow.some((re) => re.test(m.text()))) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/** Every <img> in the locator's subtree has loaded real pixels (scrolls them into view: they are lazy). */
async function expectImagesLoaded(page: Page, selector: string, atLeast: number): Promise<void> {
  const imgs = page.locator(`${selector} img`);
  await expect.poll(() => imgs.count()).toBeGreaterThanOrEqual(atLeast);
  for (const img of await imgs.all()) await img.scrollIntoViewIfNeeded();
  await expect
    .poll(
      () =>
        imgs.evaluateAll((els) =>
          els.every((e) => (e as HTMLImageElement).complete && (e as HTMLImageElement).naturalWidth > 0),
        ),
      { timeout: 15_000 },
    )
    .toBe(true);
  await page.evaluate(() => scrollTo(0, 0));
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

describe.skipIf(!found)('People page in headless Chromium', () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe('local backend, real faces', () => {
    let work: string;
    let running: RunningAlbum;
    /** identity → person id, read through the API */
    const personOf: Record<string, string> = {};
    const get = async <T>(path: string): Promise<T> => {
      const res = await fetch(running.url + path);
      expect(res.status, path).toBe(200);
      return (await res.json()) as T;
    };

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'fa-web-'));
      await photosFolder(join(work, 'photos'));
      running = await startPageAlbum(work, log);
      await running.idle();
      const people = await get<{ items: Person[] }>('/people?limit=100');
      for (const p of people.items) {
        const photos = await get<{ items: Photo[] }>(`/people/${encodeURIComponent(p.id)}/photos?limit=100`);
        const folders = photos.items.map((ph) => ph.key.split('/')[0]!).filter((f) => f !== 'group');
        personOf[folders[0]!] = p.id;
      }
    }, 240_000);
    afterAll(async () => {
      await running?.close();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('walks every view: grid, rename, not this person, hide, merge, photo boxes, status — with no console error', async () => {
      expect(Object.keys(personOf).sort()).toEqual(Object.keys(IDENTITIES).sort());
      const page = await browser.context.newPage();
      const errors = watchConsole(page);
      await page.goto(`${running.url}/`);

      // People grid: the four people, each a link named by the person, face images loaded.
      const grid = page.getByRole('list', { name: 'People' });
      await expect.poll(() => grid.getByRole('listitem').count()).toBe(4);
      const links = grid.getByRole('link');
      for (const name of await links.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? '')))
        expect(name).toMatch(/^Unnamed person, \d photos$/);
      await expectImagesLoaded(page, 'ul[aria-label="People"]', 4);
      await shot(page, 'people');

      // Person: rename in place (Enter saves), checked through the API.
      const hugo = personOf.Hugo_Chavez!;
      await grid.locator(`a[href="#/people/${encodeURIComponent(hugo)}"]`).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Unnamed person');
      await page.getByRole('textbox', { name: 'Name' }).fill('Hugo');
      await page.getByRole('textbox', { name: 'Name' }).press('Enter');
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Hugo');
      expect((await get<Person>(`/people/${encodeURIComponent(hugo)}`)).name).toBe('Hugo');
      const photos = page.getByRole('list', { name: 'Photos' });
      await expect.poll(() => photos.getByRole('listitem').count()).toBe(5);
      await expectImagesLoaded(page, 'ul[aria-label="Photos"]', 5);
      expect(await photos.locator('.face-box.mine').count()).toBe(5);
      await shot(page, 'person');

      // "Not this person" removes that face from the person.
      await photos
        .getByRole('listitem')
        .filter({ has: page.getByRole('link', { name: 'Open 4.jpg' }) })
        .getByRole('button', { name: 'Not this person' })
        .click();
      await expect.poll(() => photos.getByRole('listitem').count()).toBe(4);
      expect((await get<Person>(`/people/${encodeURIComponent(hugo)}`)).imageCount).toBe(4);

      // Hide: gone from the grid, back with "Show hidden".
      await page.getByRole('button', { name: 'Hide' }).click();
      await page.getByRole('button', { name: 'Unhide' }).waitFor();
      expect((await get<Person>(`/people/${encodeURIComponent(hugo)}`)).hidden).toBe(true);
      await page.getByRole('navigation').getByRole('link', { name: 'People' }).click();
      await expect.poll(() => grid.getByRole('listitem').count()).toBe(3);
      await page.getByRole('checkbox', { name: 'Show hidden' }).check();
      await expect.poll(() => grid.getByRole('listitem').count()).toBe(4);
      await grid.getByRole('link', { name: /^Hugo, 4 photos, hidden/ }).waitFor();
      await page.getByRole('checkbox', { name: 'Show hidden' }).uncheck();
      await expect.poll(() => grid.getByRole('listitem').count()).toBe(3);

      // Merge: Jennifer (named through the API) into Ariel, picked in the dialog.
      const ariel = personOf.Ariel_Sharon!;
      const jennifer = personOf.Jennifer_Capriati!;
      await fetch(`${running.url}/people/${encodeURIComponent(jennifer)}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Jennifer' }),
      });
      await page.goto(`${running.url}/#/people/${encodeURIComponent(ariel)}`);
      await page.getByRole('button', { name: 'Merge…' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByRole('checkbox', { name: 'Jennifer', exact: true }).check();
      await expectImagesLoaded(page, 'dialog', 2);
      await shot(page, 'merge-dialog');
      await dialog.getByRole('button', { name: 'Merge' }).click();
      await expect
        .poll(() => page.getByRole('list', { name: 'Photos' }).getByRole('listitem').count())
        .toBe(7);
      expect((await get<Person>(`/people/${encodeURIComponent(ariel)}`)).imageCount).toBe(7);
      // The merged-away id answers with the person it became.
      expect((await get<Person>(`/people/${encodeURIComponent(jennifer)}`)).id).toBe(ariel);

      // Photo: every face boxed and labelled with its person.
      const group = await get<Photo>(`/photos/faces?uri=${encodeURIComponent(GROUP)}`);
      expect(group.faces.length).toBeGreaterThanOrEqual(2);
      await page.goto(`${running.url}/#/photo/${encodeURIComponent(group.uri)}`);
      await expect.poll(() => page.locator('.face-box').count()).toBe(group.faces.length);
      await expect
        .poll(() => page.getByRole('list', { name: 'Faces' }).getByRole('listitem').count())
        .toBe(group.faces.length);
      const labels = await page.locator('.face-label').allTextContents();
      expect(labels.some((l) => l.endsWith('Hugo'))).toBe(true);
      await expectImagesLoaded(page, '.photo-view', 1 + group.faces.length);
      await shot(page, 'photo');

      // Status.
      await page.getByRole('navigation').getByRole('link', { name: 'Status' }).click();
      await page.getByRole('heading', { name: 'Status', level: 1 }).waitFor();
      await expect.poll(() => page.locator('dl.progress').textContent()).toContain('Photos indexed16');
      await shot(page, 'status');

      expect(errors).toEqual([]);
      await page.close();
    }, 120_000);
  });

  describe('IMM backend (fake IMM), with an API key', () => {
    const KEY = 'web-page-test-key-0123456789';
    let fake: FakeImm;
    let oss: Awaited<ReturnType<typeof startStaticOss>>;
    let server: LocalServer;
    let work: string;
    let restore: () => void;
    let fill: () => Promise<void>;

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'fa-web-imm-'));
      // The fake OSS serves <root>/<key>; photo keys live under photos/.
      const keys = await photosFolder(join(work, 'photos'));
      // Merges take a moment, as on IMM: the page must show them pending, then done.
      fake = await startFakeImm({ project: 'album_p', dataset: 'album_d', mergingDelayMs: 2500 });
      oss = await startStaticOss(work);
      // ali-oss refuses to sign for an IP endpoint; Chromium resolves <bucket>.localhost to loopback.
      restore = setEnv(
        immEnv(fake.endpoint, {
          ALBUM_API_KEY: KEY,
          OSS_ENDPOINT: oss.endpoint.replace('127.0.0.1', 'localhost'),
        }),
      );
      for (const key of keys) {
        const who = key.split('/')[0]!;
        fake.seedFaces(
          `oss://testbucket/photos/${key}`,
          [goodFace(who, { Boundary: { Left: 70, Top: 60, Width: 110, Height: 130 } })],
          {
            ImageWidth: 250,
            ImageHeight: 250,
          },
        );
      }
      // Indexed and clustered from the test, while the page shows its empty state.
      const fns = immFunctions(log);
      fill = async () => {
        await fns.indexer(ossEvent(keys.map((key) => ({ key: `photos/${key}` }))), fcContext());
        await fns.clusterer(timerEvent(), fcContext());
      };
      // The api function's own app (what its FC handler calls), served on 127.0.0.1 for the browser.
      const runtime = await createImmRuntimeFactory({ fn: 'api', log })(FcContextSchema.parse(fcContext()));
      server = await startLocalServer({ app: runtime.api, log, port: 0 });
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await oss?.close();
      await fake?.close();
      restore?.();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('asks for the key, then shows the IMM people; per-face edits show as unavailable', async () => {
      const page = await browser.context.newPage();
      // The first request without a key is answered 401 on purpose: that is what brings the prompt.
      const errors = watchConsole(page, [/status of 401/]);
      await page.goto(`${server.url}/`);
      const key = page.getByRole('textbox', { name: 'API key' });
      // The key never shows in clear.
      expect(await key.getAttribute('type')).toBe('password');
      await key.fill(KEY);
      await key.press('Enter');
      // No people yet: where to put photos, and indexing progress; people appear without a reload.
      await page.getByRole('heading', { name: 'No people yet' }).waitFor();
      await page.getByText('testbucket').waitFor();
      await page.getByRole('definition').first().waitFor();
      await shot(page, 'empty-imm');
      await fill();
      const grid = page.getByRole('list', { name: 'People' });
      await expect.poll(() => grid.getByRole('listitem').count(), { timeout: 15_000 }).toBe(4);
      await expectImagesLoaded(page, 'ul[aria-label="People"]', 4);
      await shot(page, 'people-imm');
      expect(await page.evaluate(() => sessionStorage.getItem('face-album.api-key'))).toBe(KEY);

      await grid.getByRole('link').first().click();
      const photos = page.getByRole('list', { name: 'Photos' });
      await expect.poll(() => photos.getByRole('listitem').count()).toBeGreaterThanOrEqual(3);
      expect(await page.getByRole('button', { name: 'Not this person' }).count()).toBe(0);
      await page.getByText(/Not available on the IMM backend/).waitFor();
      await shot(page, 'person-imm');

      // A merge on IMM is a task: pending first, then done, then the person has both people's photos.
      const authed = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
      const people = (await (await fetch(`${server.url}/people`, { headers: authed })).json()) as {
        items: Person[];
      };
      const [into, from] = people.items as [Person, Person];
      await fetch(`${server.url}/people/${encodeURIComponent(from.id)}`, {
        method: 'PATCH',
        headers: authed,
        body: JSON.stringify({ name: 'Second' }),
      });
      await page.goto(`${server.url}/#/people/${encodeURIComponent(into.id)}`);
      await page.getByRole('button', { name: 'Merge…' }).click();
      await page.getByRole('dialog').getByRole('checkbox', { name: 'Second', exact: true }).check();
      // An IMM merge cannot be undone: the dialog says so beside "Merge", and no "Undo" follows.
      await page.getByRole('dialog').getByText('A merge on IMM cannot be undone', { exact: false }).waitFor();
      await page.getByRole('dialog').getByRole('button', { name: 'Merge', exact: true }).click();
      await page.getByText('Merge pending').waitFor();
      expect(await page.getByRole('button', { name: 'Undo' }).count()).toBe(0);
      await shot(page, 'merge-pending-imm');
      await page.getByText('Merge done.').waitFor({ timeout: 15_000 });
      await expect
        .poll(() => page.getByRole('list', { name: 'Photos' }).getByRole('listitem').count())
        .toBe(into.imageCount + from.imageCount);
      // The merged-away person's address leads to the person it went into (the album's merge record on IMM).
      await page.goto(`${server.url}/#/people/${encodeURIComponent(from.id)}`);
      await page.waitForURL(`**/#/people/${encodeURIComponent(into.id)}`);
      await page.getByRole('list', { name: 'Photos' }).getByRole('listitem').first().waitFor();
      expect(await page.getByText('no longer in the album', { exact: false }).count()).toBe(0);

      // A wrong key in the tab brings the prompt back on the next 401.
      await page.evaluate(() => sessionStorage.setItem('face-album.api-key', 'wrong-key-0123456789'));
      await page.getByRole('navigation').getByRole('link', { name: 'Status' }).click();
      await page.getByRole('textbox', { name: 'API key' }).waitFor();
      expect(errors).toEqual([]);
      await page.close();
    }, 60_000);
  });
});
