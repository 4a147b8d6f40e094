/**
 * The People page at album scale in headless Chromium (Debian's chromium + playwright-core), local backend.
 * Builds a synthetic album with the project's own stores (no engine: faces-dev photos stand in for the
 * files, synthetic embeddings form the people), serves it with the launcher's HTTP server, then measures
 * in fresh browser profiles (cold cache):
 *   - first people paint: navigation start → the first person cards in the grid, and → their face images loaded;
 *   - person view: click on a card → the person's heading and photo tiles shown, and → their images loaded;
 *   - bytes transferred for each (HTML, JS, CSS, JSON, images).
 *   npm run bench:web -- [people=2100] [photosPerPerson=4] [runs=5]
 * (a few of the generated people fall together when clustered; the line printed says how many there are)
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openLocalAlbum } from '../src/local/local-runtime';
import { startLocalServer } from '../src/local/server/local-server';
import { createLogger } from '../src/log/logger';
import { chromiumFound, HOW_TO_ENABLE, launchChromium } from '../test/support/chromium';
import { syntheticFace, syntheticPhoto, TightGroups } from '../test/support/synthetic-faces';

const [PEOPLE = 2100, PER_PERSON = 4, RUNS = 5] = process.argv.slice(2).map(Number);
if (!chromiumFound()) {
  console.error(`bench:web needs a Chromium: ${HOW_TO_ENABLE}`);
  process.exit(2);
}
const DEV = resolve(import.meta.dirname, '../../shared/datasets/faces-dev');
const work = mkdtempSync(join(tmpdir(), 'fa-web-bench-'));
const photosDir = join(work, 'photos');
const album = openLocalAlbum({
  photosDir,
  dataDir: join(work, 'data'),
  env: {},
  workers: 1,
  log: createLogger({ level: 'warn' }),
});

// Real JPEGs for the files (face crops are cut from them), cycling through faces-dev identities.
const sources = readdirSync(DEV, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith('_'))
  .slice(0, 200)
  .map((d) => join(DEV, d.name, '1.jpg'));
const groups = new TightGroups(11, 0.02);
const t = performance.now();
const clusterable = () => true;
for (let p = 0; p < PEOPLE; p++) {
  const dir = join(photosDir, `p${p}`);
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < PER_PERSON; i++) {
    const path = `p${p}/${i}.jpg`;
    copyFileSync(sources[p % sources.length]!, join(photosDir, path));
    const hash = `h${p}-${i}`;
    album.photos.saveAnalysis(hash, syntheticPhoto(syntheticFace(groups.face(p))));
    album.photos.upsertPhoto(path, hash, { size: 1000 + i, mtimeMs: p * 10 + i }, clusterable);
  }
}
const run = await album.backend.runClustering({ deadline: Date.now() + 3_600_000, log: album.log });
console.log(
  `album: ${PEOPLE * PER_PERSON} photos, ${run.newPeople} people (${PEOPLE} generated) built in ${((performance.now() - t) / 1000).toFixed(1)} s`,
);

const server = await startLocalServer({ app: album.runtime.api, log: album.log, port: 0 });
album.setBaseUrl(server.url);
// Warm the server side once (the page bundle is built on first request in a checkout; crops are cut once).
await fetch(`${server.url}/`);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const KB = (b: number) => `${(b / 1024).toFixed(0)} KB`;

const rows: {
  paint: number;
  faces: number;
  person: number;
  personImages: number;
  bytesGrid: number;
  bytesPerson: number;
}[] = [];
for (let r = 0; r < RUNS; r++) {
  const browser = await launchChromium();
  const page = await browser.context.newPage();
  await page.goto(`${server.url}/`, { waitUntil: 'commit' });
  await page.waitForFunction(() => document.querySelectorAll('ul[aria-label="People"] li').length > 0);
  const paint = await page.evaluate(() => performance.now());
  await page.waitForFunction(() => {
    const imgs = [...document.querySelectorAll<HTMLImageElement>('ul[aria-label="People"] li img')].filter(
      (img) => img.getBoundingClientRect().top < innerHeight,
    );
    return imgs.length > 0 && imgs.every((img) => img.complete && img.naturalWidth > 0);
  });
  const faces = await page.evaluate(() => performance.now());
  const bytes = () =>
    page.evaluate(() =>
      [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].reduce(
        (n, e) => n + ((e as PerformanceResourceTiming).transferSize || 0),
        0,
      ),
    );
  const bytesGrid = await bytes();
  const started = await page.evaluate(() => performance.now());
  // A person from the middle of the first screen.
  await page.locator('ul[aria-label="People"] li a').nth(5).click();
  await page.waitForFunction(
    () =>
      !!document.querySelector('h1#person-title') &&
      document.querySelectorAll('ul[aria-label="Photos"] li').length > 0,
  );
  const person = (await page.evaluate(() => performance.now())) - started;
  await page.waitForFunction(() => {
    const imgs = [...document.querySelectorAll<HTMLImageElement>('ul[aria-label="Photos"] li img')];
    return imgs.length > 0 && imgs.every((img) => img.complete && img.naturalWidth > 0);
  });
  const personImages = (await page.evaluate(() => performance.now())) - started;
  const bytesPerson = (await bytes()) - bytesGrid;
  rows.push({ paint, faces, person, personImages, bytesGrid, bytesPerson });
  console.log(
    `run ${r + 1}: first people paint ${paint.toFixed(0)} ms (faces on screen ${faces.toFixed(0)} ms, ${KB(bytesGrid)}); person view ${person.toFixed(0)} ms (photos loaded ${personImages.toFixed(0)} ms, ${KB(bytesPerson)})`,
  );
  await browser.close();
}
const m = (k: keyof (typeof rows)[number]) => median(rows.map((x) => x[k]));
console.log(
  `\nmedians of ${RUNS} cold-cache runs, ${run.newPeople} people: first people paint ${m('paint').toFixed(0)} ms (goal ≤ 1000), faces on first screen ${m('faces').toFixed(0)} ms, transferred ${KB(m('bytesGrid'))}; person view ${m('person').toFixed(0)} ms (goal ≤ 500), its photos loaded ${m('personImages').toFixed(0)} ms, transferred ${KB(m('bytesPerson'))}`,
);
// The merge dialog's suggestions: one pass over every assigned face's embedding, then kept until faces move.
const first = (await (await fetch(`${server.url}/people?limit=1`)).json()) as { items: { id: string }[] };
const similarUrl = `${server.url}/people/${encodeURIComponent(first.items[0]!.id)}/similar`;
for (const label of ['first call, centroids computed', 'next call, centroids kept']) {
  const started = performance.now();
  await (await fetch(similarUrl)).json();
  console.log(
    `GET /people/:id/similar (${label}): ${(performance.now() - started).toFixed(0)} ms over ${PEOPLE * PER_PERSON} faces`,
  );
}
console.log(
  `load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
await server.close();
await album.close();
rmSync(work, { recursive: true, force: true });
