/**
 * The "Unknown faces" review at album scale (issue 19: "20k unknown faces stay smooth"), local backend.
 * Builds an album of `--unknown` faces that belong to no one (synthetic strangers of 1–2 photos each, their
 * files tiny generated JPEGs, their embeddings synthetic) with the project's own stores, runs a real
 * clustering pass (which groups the unknown faces), serves it with the launcher's HTTP server and measures:
 *   - API: GET /faces/unknown (24 groups, as the page asks) first page and a deep page (the middle of the
 *     list), and GET /faces/unknown/:group (100 faces) of the largest group: p50/p99 over `--samples`
 *     requests, each a miss of the answer memo (a `_` parameter the API ignores makes every URL new);
 *   - Chromium (cold profile): navigation → the first groups rendered and → their face crops loaded; each
 *     next page while scrolling (scroll to the end → more groups rendered), over `--pages` pages; DOM
 *     nodes of the document after every page.
 *
 *   npm run bench:unknown-faces -- [--unknown 20000] [--samples 200] [--pages 40]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { openLocalAlbum } from '../src/local/local-runtime';
import { startLocalServer } from '../src/local/server/local-server';
import { createLogger } from '../src/log/logger';
import { chromiumFound, HOW_TO_ENABLE, launchChromium } from '../test/support/chromium';
import { SyntheticIdentities, syntheticFace, syntheticPhoto } from '../test/support/synthetic-faces';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? Number(process.argv[i + 1]) : dflt;
}
const UNKNOWN = arg('unknown', 20_000);
const SAMPLES = arg('samples', 200);
const PAGES = arg('pages', 40);
if (!chromiumFound()) {
  console.error(`bench:unknown-faces needs a Chromium: ${HOW_TO_ENABLE}`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'fa-unknown-bench-'));
const photosDir = join(work, 'photos');
const album = openLocalAlbum({
  photosDir,
  dataDir: join(work, 'data'),
  env: {},
  workers: 1,
  log: createLogger({ level: 'warn' }),
});

// 16 tiny distinct JPEGs (250×250, faces-dev's size, so the stored face boxes fall inside them).
const jpegs = await Promise.all(
  Array.from({ length: 16 }, (_, i) =>
    sharp({
      create: {
        width: 250,
        height: 250,
        channels: 3,
        background: { r: (i * 53) % 256, g: (i * 97) % 256, b: (i * 31) % 256 },
      },
    })
      .jpeg({ quality: 60 })
      .toBuffer(),
  ),
);
const s = new SyntheticIdentities(19);
const t0 = performance.now();
let n = 0;
const clusterable = () => true;
mkdirSync(join(photosDir, 'u'), { recursive: true });
while (n < UNKNOWN) {
  const who = s.newIdentity();
  const copies = s.rnd() < 0.3 ? 2 : 1;
  for (let c = 0; c < copies && n < UNKNOWN; c++, n++) {
    const path = `u/${n}.jpg`;
    writeFileSync(join(photosDir, path), jpegs[n % jpegs.length]!);
    const hash = `h${n}`;
    album.photos.saveAnalysis(hash, syntheticPhoto(syntheticFace(s.face(who))));
    album.photos.upsertPhoto(path, hash, { size: 1000 + n, mtimeMs: n }, clusterable);
  }
}
const built = performance.now();
const run = await album.backend.runClustering({ deadline: Date.now() + 3_600_000, log: album.log });
const clustered = performance.now();
const server = await startLocalServer({ app: album.runtime.api, log: album.log, port: 0 });
album.setBaseUrl(server.url);
await fetch(`${server.url}/`);

// Every group once (the walk also gives the deep page's cursor and the largest group).
type Group = { id: string; size: number };
const cursors: (string | undefined)[] = [];
let groups = 0;
let waiting = 0;
let largest: Group | null = null;
for (let cursor: string | undefined, first = true; first || cursor; first = false) {
  cursors.push(cursor);
  const page = (await (
    await fetch(
      `${server.url}/faces/unknown?limit=24${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    )
  ).json()) as { items: Group[]; nextCursor: string | null };
  groups += page.items.length;
  for (const g of page.items) {
    waiting += g.size;
    if (!largest || g.size > largest.size) largest = g;
  }
  cursor = page.nextCursor ?? undefined;
}
console.log(
  `album: ${UNKNOWN} faces built in ${((built - t0) / 1000).toFixed(1)} s, clustering pass ${((clustered - built) / 1000).toFixed(1)} s (${run.newPeople} people); unknown: ${waiting} faces in ${groups} groups (largest ${largest?.size}), ${cursors.length} pages of 24`,
);

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const fmt = (xs: number[]) =>
  `p50 ${quantile(xs, 0.5).toFixed(2)} ms, p99 ${quantile(xs, 0.99).toFixed(2)} ms`;
async function timed(url: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    const res = await fetch(`${url}${url.includes('?') ? '&' : '?'}_=${i}`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
    times.push(performance.now() - t);
  }
  return times;
}
const deep = cursors[Math.floor(cursors.length / 2)]!;
const api = {
  first: await timed(`${server.url}/faces/unknown?limit=24`),
  deep: await timed(`${server.url}/faces/unknown?limit=24&cursor=${encodeURIComponent(deep)}`),
  group: await timed(`${server.url}/faces/unknown/${encodeURIComponent(largest!.id)}?limit=100`),
};
console.log(`GET /faces/unknown first page: ${fmt(api.first)}`);
console.log(
  `GET /faces/unknown page ${Math.floor(cursors.length / 2) + 1} of ${cursors.length}: ${fmt(api.deep)}`,
);
console.log(`GET /faces/unknown/:group (largest, 100 faces): ${fmt(api.group)}`);

// The page, in a cold profile.
const browser = await launchChromium();
const page = await browser.context.newPage();
await page.setViewportSize({ width: 1280, height: 900 });
const GROUPS = 'ul[aria-label="Groups of unknown faces"] > li';
await page.goto(`${server.url}/#/unknown`, { waitUntil: 'commit' });
await page.waitForFunction((sel) => document.querySelectorAll(sel).length > 0, GROUPS);
const firstRender = await page.evaluate(() => performance.now());
await page.waitForFunction((sel) => {
  const imgs = [...document.querySelectorAll<HTMLImageElement>(`${sel} img`)].filter(
    (img) => img.getBoundingClientRect().top < innerHeight,
  );
  return imgs.length > 0 && imgs.every((img) => img.complete && img.naturalWidth > 0);
}, GROUPS);
const firstFaces = await page.evaluate(() => performance.now());
console.log(
  `Chromium: Unknown faces view first groups rendered ${firstRender.toFixed(0)} ms after navigation, their face crops on screen loaded ${firstFaces.toFixed(0)} ms`,
);

const domNodes = () => page.evaluate(() => document.getElementsByTagName('*').length);
const count = (): Promise<number> => page.evaluate((sel) => document.querySelectorAll(sel).length, GROUPS);
const nextPage: number[] = [];
const nodes: { pages: number; groups: number; nodes: number }[] = [
  { pages: 1, groups: await count(), nodes: await domNodes() },
];
for (let p = 2; p <= PAGES && p <= cursors.length; p++) {
  const before = await count();
  const started = await page.evaluate(() => {
    window.scrollTo(0, document.documentElement.scrollHeight);
    return performance.now();
  });
  await page.waitForFunction(([sel, k]) => document.querySelectorAll(sel as string).length > (k as number), [
    GROUPS,
    before,
  ] as const);
  nextPage.push((await page.evaluate(() => performance.now())) - started);
  nodes.push({ pages: p, groups: await count(), nodes: await domNodes() });
}
console.log(`Chromium: next page while scrolling (${nextPage.length} pages): ${fmt(nextPage)}`);
const at = (k: number) => nodes.find((x) => x.pages === k) ?? nodes.at(-1)!;
const perGroup =
  (at(nodes.at(-1)!.pages).nodes - at(1).nodes) / Math.max(1, at(nodes.at(-1)!.pages).groups - at(1).groups);
console.log(
  `Chromium: DOM nodes after ${[1, 5, 10, 20, 40]
    .filter((k) => k <= nodes.at(-1)!.pages)
    .map((k) => `${k} pages (${at(k).groups} groups): ${at(k).nodes}`)
    .join('; ')} — ${perGroup.toFixed(1)} nodes per group added`,
);
const heap = await page.evaluate(
  () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0,
);
if (heap)
  console.log(`Chromium: JS heap after ${nodes.at(-1)!.pages} pages ${(heap / 1048576).toFixed(1)} MB`);
console.log(
  `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} (2 cores, shared)`,
);
await browser.close();
await server.close();
await album.close();
rmSync(work, { recursive: true, force: true });
