/**
 * The "Unknown faces" review at album scale (issue 19: "20k unknown faces stay smooth"), local backend.
 * Builds two albums, `--small` and `--unknown` faces that belong to no one (synthetic strangers of 1–2
 * photos each, their files tiny generated JPEGs, their embeddings synthetic), with the project's own
 * stores, runs a real clustering pass on each (which groups the unknown faces), serves both with the
 * launcher's HTTP server and measures each, side by side in one run (alternating, so a busy machine
 * weighs on both alike):
 *   - API: GET /faces/unknown (24 groups, as the page asks) first page and a deep page (the middle of the
 *     list), and GET /faces/unknown/:group (100 faces) of the largest group: p50/p99 over `--samples`
 *     requests, each a miss of the answer memo (a `_` parameter the API ignores makes every URL new);
 *   - Chromium (cold profile): navigation → the first groups rendered and → their face crops loaded; each
 *     next page while scrolling (scroll to the end → more groups rendered), over `--pages` pages; DOM
 *     nodes of the document after every page.
 *
 *   npm run bench:unknown-faces -- [--small 1000] [--unknown 20000] [--samples 200] [--pages 40] [--runs 3]
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
const SMALL = arg('small', 1_000);
const RUNS = arg('runs', 3);
const SAMPLES = arg('samples', 200);
const PAGES = arg('pages', 40);
if (!chromiumFound()) {
  console.error(`bench:unknown-faces needs a Chromium: ${HOW_TO_ENABLE}`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'fa-unknown-bench-'));
const log = createLogger({ level: 'warn' });
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

type Group = { id: string; size: number };
interface Served {
  faces: number;
  url: string;
  /** Cursor of every page of 24 groups (the first is undefined). */
  cursors: (string | undefined)[];
  largest: Group;
  close: () => Promise<void>;
}

async function serve(faces: number, seed: number): Promise<Served> {
  const root = join(work, String(faces));
  const photosDir = join(root, 'photos');
  const album = openLocalAlbum({ photosDir, dataDir: join(root, 'data'), env: {}, workers: 1, log });
  const s = new SyntheticIdentities(seed);
  const t0 = performance.now();
  let n = 0;
  const clusterable = () => true;
  mkdirSync(join(photosDir, 'u'), { recursive: true });
  while (n < faces) {
    const who = s.newIdentity();
    const copies = s.rnd() < 0.3 ? 2 : 1;
    for (let c = 0; c < copies && n < faces; c++, n++) {
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
  const cursors: (string | undefined)[] = [];
  let groups = 0;
  let waiting = 0;
  let largest: Group = { id: '', size: 0 };
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
      if (g.size > largest.size) largest = g;
    }
    cursor = page.nextCursor ?? undefined;
  }
  console.log(
    `album of ${faces} faces: built in ${((built - t0) / 1000).toFixed(1)} s, clustering pass ${((clustered - built) / 1000).toFixed(1)} s (${run.newPeople} people); unknown: ${waiting} faces in ${groups} groups (largest ${largest.size}), ${cursors.length} pages of 24`,
  );
  return {
    faces,
    url: server.url,
    cursors,
    largest,
    close: async () => {
      await server.close();
      await album.close();
    },
  };
}

const albums = [await serve(SMALL, 23), await serve(UNKNOWN, 19)];
const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const ms = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(0)} ms`;
const fmt = (xs: number[]) => `p50 ${ms(quantile(xs, 0.5))}, p99 ${ms(quantile(xs, 0.99))}`;
const ratio = (a: number[], b: number[]) => (quantile(b, 0.5) / quantile(a, 0.5)).toFixed(2);
const line = (what: string, [a, b]: number[][]) =>
  console.log(
    `${what}: ${SMALL} faces ${fmt(a!)} | ${UNKNOWN} faces ${fmt(b!)} | median ratio ${ratio(a!, b!)}`,
  );

// API: each request a miss of the answer memo (`_` is ignored by the API but makes the URL new).
const urls = (a: Served) => ({
  first: `${a.url}/faces/unknown?limit=24`,
  deep: `${a.url}/faces/unknown?limit=24&cursor=${encodeURIComponent(a.cursors[Math.floor(a.cursors.length / 2)]!)}`,
  group: `${a.url}/faces/unknown/${encodeURIComponent(a.largest.id)}?limit=100`,
});
for (const what of ['first', 'deep', 'group'] as const) {
  const times: number[][] = [[], []];
  for (let i = 0; i < SAMPLES; i++)
    for (const [k, a] of albums.entries()) {
      const t = performance.now();
      const res = await fetch(`${urls(a)[what]}&_=${i}`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${urls(a)[what]}: ${res.status}`);
      times[k]!.push(performance.now() - t);
    }
  line(
    what === 'first'
      ? 'GET /faces/unknown, first page of 24 groups'
      : what === 'deep'
        ? 'GET /faces/unknown, the middle page'
        : "GET /faces/unknown/:group, the largest group's first 100 faces",
    times,
  );
}

// The page, in cold browser profiles.
const GROUPS = 'ul[aria-label="Groups of unknown faces"] > li';
async function open(a: Served) {
  const browser = await launchChromium();
  const page = await browser.context.newPage();
  await page.goto(`${a.url}/#/unknown`, { waitUntil: 'commit' });
  await page.waitForFunction((sel) => document.querySelectorAll(sel).length > 0, GROUPS);
  const render = await page.evaluate(() => performance.now());
  await page.waitForFunction((sel) => {
    const imgs = [...document.querySelectorAll<HTMLImageElement>(`${sel} img`)].filter(
      (img) => img.getBoundingClientRect().top < innerHeight,
    );
    return imgs.length > 0 && imgs.every((img) => img.complete && img.naturalWidth > 0);
  }, GROUPS);
  const crops = await page.evaluate(() => performance.now());
  return { browser, page, render, crops };
}
const render: number[][] = [[], []];
const crops: number[][] = [[], []];
for (let r = 0; r < RUNS; r++)
  for (const [k, a] of albums.entries()) {
    const o = await open(a);
    render[k]!.push(o.render);
    crops[k]!.push(o.crops);
    await o.browser.close();
  }
line(`Chromium, navigation → first groups rendered (${RUNS} cold runs)`, render);
line('Chromium, navigation → their face crops on screen loaded', crops);

// Scrolling: each next page (scroll to the end → more groups in the list), and the DOM's size. Two passes
// in cold browser profiles: the first while the server cuts each face crop on demand, the second with the
// crops already cut (the server keeps them), so what the crops cost shows apart.
async function scrollSession(a: Served) {
  const out = {
    next: [] as number[],
    request: [] as number[],
    queue: [] as number[],
    nodes: [] as { groups: number; nodes: number }[],
  };
  const o = await open(a);
  const { page } = o;
  // Every crop is a resource entry: the default buffer (250) would be full after a few pages.
  await page.evaluate(() => performance.setResourceTimingBufferSize(1_000_000));
  const count = (): Promise<number> => page.evaluate((sel) => document.querySelectorAll(sel).length, GROUPS);
  const domNodes = () => page.evaluate(() => document.getElementsByTagName('*').length);
  out.nodes.push({ groups: await count(), nodes: await domNodes() });
  for (let p = 2; p <= PAGES && (await count()) < a.cursors.length * 24 - 24; p++) {
    const before = await count();
    // Timed inside the page (a CDP round trip per poll would weigh more than the render on a busy machine).
    const [took, req, queued] = await page.evaluate(
      async ([sel, n]) => {
        const t = performance.now();
        window.scrollTo(0, document.documentElement.scrollHeight);
        while (document.querySelectorAll(sel as string).length <= (n as number))
          await new Promise((r) => requestAnimationFrame(r));
        const took = performance.now() - t;
        // The API request the page waited for (it may have started before the scroll: the list preloads).
        const e = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
          .filter((r) => r.name.includes('/faces/unknown?') && r.responseEnd >= t)
          .at(-1);
        return [took, e ? e.responseEnd - e.startTime : 0, e ? e.requestStart - e.startTime : 0];
      },
      [GROUPS, before] as const,
    );
    out.next.push(took!);
    out.request.push(req!);
    out.queue.push(queued!);
    out.nodes.push({ groups: await count(), nodes: await domNodes() });
  }
  await o.browser.close();
  return out;
}
for (const pass of ['crops cut on demand', 'crops already cut']) {
  const sessions: Awaited<ReturnType<typeof scrollSession>>[] = [];
  for (const a of albums) sessions.push(await scrollSession(a));
  const pick = (k: 'next' | 'request' | 'queue') => sessions.map((x) => x[k]);
  console.log(`Chromium, scrolling ${PAGES - 1} pages, ${pass}:`);
  line('  next page (scroll to the end → more groups shown)', pick('next'));
  line('  its GET /faces/unknown, fetch() to last byte', pick('request'));
  line('  of that, waiting for a connection (image requests ahead)', pick('queue'));
  line(
    '  next page, the first 10 of them',
    pick('next').map((xs) => xs.slice(0, 10)),
  );
  line(
    '  next page, the last 10 of them',
    pick('next').map((xs) => xs.slice(-10)),
  );
  if (pass === 'crops cut on demand')
    for (const [k, a] of albums.entries()) {
      const n = sessions[k]!.nodes;
      const last = n.at(-1)!;
      console.log(
        `  DOM nodes (${a.faces} faces): ${n[0]!.groups} groups ${n[0]!.nodes}; ${last.groups} groups ${last.nodes} — ${((last.nodes - n[0]!.nodes) / Math.max(1, last.groups - n[0]!.groups)).toFixed(1)} nodes per group added`,
      );
    }
}
console.log(
  `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} (2 cores, shared with other engineers)`,
);
for (const a of albums) await a.close();
rmSync(work, { recursive: true, force: true });
