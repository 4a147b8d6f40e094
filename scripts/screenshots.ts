/**
 * Screenshots of every view of the People page, for README and docs/people-page.md: starts a local album
 * (real engine, SQLite) on a temporary copy of labelled faces (faces-dev, beside the repo, never copied
 * into it) plus two strangers and a photo of two people, names a few people through the API, and drives
 * Debian's Chromium through the views at 1280 px, and the People view at 390 px. Then the merge dialog on the
 * IMM backend (the fake IMM and OSS servers of the tests, on 127.0.0.1), where a merge cannot be undone.
 *
 * Usage: npm run screenshots [-- --faces <faces-dev dir> --strangers <faces-strangers dir> --out <dir>]
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import type { Person, Photo } from '../src/album/types';
import { FcContextSchema } from '../src/fc/fc-context';
import { createImmRuntimeFactory } from '../src/imm/imm-runtime';
import { startLocalServer } from '../src/local/server/local-server';
import { createLogger, type Logger } from '../src/log/logger';
import { goodFace, startFakeImm } from '../test/fake-imm/fake-imm';
import { fcContext, immEnv, immFunctions, ossEvent, setEnv, timerEvent } from '../test/fake-imm/fc-events';
import { launchChromium } from '../test/support/chromium';
import { startPageAlbum } from '../test/support/page-album';
import { startStaticOss } from '../test/support/static-oss';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    faces: { type: 'string', default: resolve(ROOT, '../shared/datasets/faces-dev') },
    strangers: { type: 'string', default: resolve(ROOT, '../shared/datasets/faces-strangers') },
    out: { type: 'string', default: join(ROOT, 'docs/screenshots') },
  },
});
const FACES = values.faces!;
const STRANGERS = values.strangers!;
const OUT = values.out!;
/** Six people of 3–5 photos: enough for a grid, suggestions and a merge, little CPU. */
const IDENTITIES: Record<string, number> = {
  Hugo_Chavez: 5,
  Colin_Powell: 4,
  Ariel_Sharon: 4,
  Jennifer_Capriati: 4,
  Gerhard_Schroeder: 3,
  Al_Pacino: 3,
};
const NAMES: Record<string, string> = {
  Hugo_Chavez: 'Hugo',
  Colin_Powell: 'Colin',
  Jennifer_Capriati: 'Jennifer',
};
const GROUP = 'trip/two of us.jpg';

async function photos(root: string): Promise<void> {
  const copy = (from: string, key: string) => {
    mkdirSync(dirname(join(root, key)), { recursive: true });
    copyFileSync(from, join(root, key));
  };
  for (const [who, n] of Object.entries(IDENTITIES))
    for (let i = 1; i <= n; i++) copy(join(FACES, who, `${i}.jpg`), `${who}/${i}.jpg`);
  for (const who of readdirSync(STRANGERS).slice(0, 3))
    copy(join(STRANGERS, who, '1.jpg'), `strangers/${who}.jpg`);
  const tiles = await Promise.all(
    ['Hugo_Chavez/6.jpg', 'Colin_Powell/6.jpg'].map((f) => sharp(join(FACES, f)).resize(400, 400).toBuffer()),
  );
  mkdirSync(join(root, dirname(GROUP)), { recursive: true });
  await sharp({ create: { width: 800, height: 400, channels: 3, background: '#333' } })
    .composite(tiles.map((input, i) => ({ input, left: i * 400, top: 0 })))
    .jpeg()
    .toFile(join(root, GROUP));
}

async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  // Lazy images: scroll each shown one into view (People stays mounted, hidden, under the other views).
  for (const img of await page.locator('img:visible').all())
    await img.scrollIntoViewIfNeeded({ timeout: 2000 }).catch(() => {});
  await page
    .waitForFunction(() => [...document.images].every((i) => i.complete || !i.offsetParent), undefined, {
      timeout: 15_000,
    })
    .catch(() => {});
  await page.evaluate(() => scrollTo(0, 0));
  await page.waitForTimeout(300);
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'fa-shots-'));
  const log = createLogger({ level: 'error' });
  await photos(join(work, 'photos'));
  console.log('indexing the sample photos (real engine)…');
  const album = await startPageAlbum(work, log);
  const browser = await launchChromium();
  try {
    await album.idle();
    const get = async <T>(path: string, init?: RequestInit): Promise<T> =>
      (await (await fetch(album.url + path, init)).json()) as T;
    const people = (await get<{ items: Person[] }>('/people?limit=100')).items;
    const idOf: Record<string, string> = {};
    for (const p of people) {
      const ph = (await get<{ items: Photo[] }>(`/people/${encodeURIComponent(p.id)}/photos?limit=100`))
        .items;
      const folder = ph.map((x) => x.key.split('/')[0]!).find((f) => f in IDENTITIES);
      if (folder) idOf[folder] = p.id;
    }
    for (const [who, name] of Object.entries(NAMES))
      if (idOf[who])
        await fetch(`${album.url}/people/${encodeURIComponent(idOf[who])}`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name }),
        });
    const caps = await get<{ unknownFaces?: boolean; faceAttributes?: string[] }>('/capabilities');
    const page = await browser.context.newPage();
    const shot = async (name: string) => {
      await settle(page);
      await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: name !== 'merge-dialog' });
      console.log(`  ${name}.png`);
    };
    const hugo = encodeURIComponent(idOf.Hugo_Chavez!);

    await page.goto(`${album.url}/`);
    await page.getByRole('list', { name: 'People' }).getByRole('listitem').first().waitFor();
    await shot('people');
    await page.getByRole('searchbox', { name: 'Search people' }).fill('je');
    await page.waitForTimeout(600);
    await shot('people-search');
    await page.getByRole('searchbox', { name: 'Search people' }).fill('');

    await page.goto(`${album.url}/#/people/${hugo}`);
    await page.getByRole('list', { name: 'Photos' }).getByRole('listitem').first().waitFor();
    // An edit, to show the status line with "Undo" (shown again right after the shot).
    await page.getByRole('button', { name: 'Hide' }).click();
    await page.getByRole('button', { name: 'Unhide' }).waitFor();
    await shot('person');
    // The status line with "Undo", as the window shows it.
    await page.getByRole('status').getByRole('button', { name: 'Undo' }).waitFor();
    await page.screenshot({ path: join(OUT, 'undo-status.png') });
    console.log('  undo-status.png');
    await page.getByRole('button', { name: 'Unhide' }).click();
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByRole('button', { name: 'Merge…' }).click();
    await page.getByRole('dialog').getByRole('checkbox').first().waitFor();
    await page.getByRole('dialog').getByRole('checkbox', { name: 'Colin', exact: true }).check();
    await shot('merge-dialog');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    if (caps.faceAttributes) {
      await page.getByRole('button', { name: 'With…' }).click();
      await page.getByRole('dialog').getByRole('button').first().waitFor();
      await shot('with-picker');
      await page.keyboard.press('Escape');
    }

    const first = (await get<{ items: Photo[] }>(`/people/${hugo}/photos?limit=100`)).items.find(
      (p) => p.key === GROUP,
    );
    const group = first ?? (await get<{ items: Photo[] }>(`/people/${hugo}/photos?limit=1`)).items[0]!;
    await page.goto(`${album.url}/#/photo/${encodeURIComponent(group.uri)}?from=${hugo}`);
    await page.locator('.face-box').first().waitFor();
    await shot('photo');

    const strangerUri = group.uri.slice(0, group.uri.length - group.key.length);
    const strangerKey = `strangers/${readdirSync(STRANGERS)[0]}.jpg`;
    await page.goto(`${album.url}/#/photo/${encodeURIComponent(strangerUri + strangerKey)}`);
    await page.getByRole('button', { name: 'Give to a person…' }).click();
    await page.getByRole('dialog').getByRole('button').nth(1).waitFor();
    await shot('give-to-person');
    await page.keyboard.press('Escape');

    if (caps.unknownFaces) {
      await page.goto(`${album.url}/#/unknown`);
      await page.getByRole('heading', { name: 'Unknown faces', level: 1 }).waitFor();
      await shot('unknown-faces');
    }
    if (caps.faceAttributes) {
      await page.goto(`${album.url}/`);
      await page.getByRole('button', { name: 'Who is this?' }).click();
      await page
        .getByLabel('Drop a photo here, or choose one')
        .setInputFiles(join(FACES, 'Colin_Powell/8.jpg'));
      await page.getByRole('dialog').getByRole('heading', { level: 3 }).first().waitFor();
      await shot('who-is-this');
      await page.keyboard.press('Escape');
    }

    await page.goto(`${album.url}/#/status`);
    await page.locator('dl.progress').waitFor();
    await shot('status');

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${album.url}/`);
    await page.getByRole('list', { name: 'People' }).getByRole('listitem').first().waitFor();
    await shot('people-390');
    await page.goto(`${album.url}/#/photo/${encodeURIComponent(group.uri)}?from=${hugo}`);
    await page.locator('.face-box').first().waitFor();
    await shot('photo-390');
    await page.setViewportSize({ width: 1280, height: 720 });
    await immMergeDialog(page, join(work, 'imm'), log);
  } finally {
    await browser.close();
    await album.close();
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`screenshots in ${OUT}`);
}

/**
 * The merge dialog on the IMM backend: the api function's own app over the fake IMM and OSS servers
 * (as test/web-page.test.ts runs it), two people named, the dialog open with its "cannot be undone" note.
 */
async function immMergeDialog(page: Page, root: string, log: Logger): Promise<void> {
  const keys: string[] = [];
  for (const [who, n] of Object.entries(IDENTITIES).slice(0, 3))
    for (let i = 1; i <= Math.min(n, 3); i++) {
      const key = `${who}/${i}.jpg`;
      mkdirSync(dirname(join(root, 'photos', key)), { recursive: true });
      copyFileSync(join(FACES, key), join(root, 'photos', key));
      keys.push(key);
    }
  const fake = await startFakeImm({ project: 'album_p', dataset: 'album_d' });
  const oss = await startStaticOss(root);
  // ali-oss refuses to sign for an IP endpoint; Chromium resolves <bucket>.localhost to loopback.
  const restore = setEnv(
    immEnv(fake.endpoint, { OSS_ENDPOINT: oss.endpoint.replace('127.0.0.1', 'localhost') }),
  );
  try {
    for (const key of keys)
      fake.seedFaces(
        `oss://testbucket/photos/${key}`,
        [goodFace(key.split('/')[0]!, { Boundary: { Left: 70, Top: 60, Width: 110, Height: 130 } })],
        { ImageWidth: 250, ImageHeight: 250 },
      );
    const fns = immFunctions(log);
    await fns.indexer(ossEvent(keys.map((key) => ({ key: `photos/${key}` }))), fcContext());
    await fns.clusterer(timerEvent(), fcContext());
    const runtime = await createImmRuntimeFactory({ fn: 'api', log })(FcContextSchema.parse(fcContext()));
    const server = await startLocalServer({ app: runtime.api, log, port: 0 });
    try {
      const json = { 'content-type': 'application/json' };
      const people = ((await (await fetch(`${server.url}/people`)).json()) as { items: Person[] }).items;
      // Each person named after the identity of its photos (IMM's cluster order says nothing of who).
      const byFolder: Record<string, Person> = {};
      for (const p of people) {
        const photos = (await (
          await fetch(`${server.url}/people/${encodeURIComponent(p.id)}/photos?limit=1`)
        ).json()) as { items: Photo[] };
        const folder = photos.items[0]?.key.split('/').find((x) => x in IDENTITIES);
        if (folder) byFolder[folder] = p;
      }
      const into = byFolder.Hugo_Chavez!;
      for (const [who, name] of Object.entries(NAMES))
        if (byFolder[who])
          await fetch(`${server.url}/people/${encodeURIComponent(byFolder[who].id)}`, {
            method: 'PATCH',
            headers: json,
            body: JSON.stringify({ name }),
          });
      await page.goto(`${server.url}/#/people/${encodeURIComponent(into.id)}`);
      await page.getByRole('button', { name: 'Merge…' }).click();
      await page.getByRole('dialog').getByRole('checkbox', { name: 'Colin', exact: true }).check();
      await page.getByRole('dialog').getByText('A merge on IMM cannot be undone', { exact: false }).waitFor();
      await settle(page);
      await page.screenshot({ path: join(OUT, 'merge-imm.png') });
      console.log('  merge-imm.png');
      await page.keyboard.press('Escape');
    } finally {
      await server.close();
    }
  } finally {
    restore();
    await oss.close();
    await fake.close();
  }
}

await main();
