/**
 * Local store at album scale with synthetic faces (no engine): how long the SQLite side of indexing,
 * an incremental clustering run (store → PersonClusterer → store) and API reads take.
 *   npm run bench:local-store -- [faces=50000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalAlbum } from '../src/local/local-runtime';
import { createLogger } from '../src/log/logger';
import { TightGroups } from '../test/support/synthetic-faces';

const [faces = 50_000] = process.argv.slice(2).map(Number);
const PEOPLE = Math.max(10, Math.round(faces / 25));
const work = mkdtempSync(join(tmpdir(), 'fa-store-bench-'));
const album = openLocalAlbum({
  photosDir: join(work, 'photos'),
  dataDir: join(work, 'data'),
  env: {},
  log: createLogger({ level: 'warn' }),
});
const secs = (t: number) => ((performance.now() - t) / 1000).toFixed(2);

// Deterministic pseudo-random people: unit centres, faces = centre + noise (well under the link threshold).
const groups = new TightGroups(7, 0.02);
const face = (person: number) => groups.face(person);
const detected = (person: number) => ({
  box: { left: 50, top: 50, width: 120, height: 140 },
  confidence: 0.99,
  headPose: { yaw: 1, pitch: 2, roll: 0 },
  age: 30,
  gender: 'male' as const,
  quality: 0.95,
  sharpness: 0.9,
  attributes: {},
  embedding: face(person),
});
const clusterable = () => true;

let t = performance.now();
for (let i = 0; i < faces; i++) {
  const hash = `h${i}`;
  album.photos.saveAnalysis(hash, { width: 1000, height: 800, takenAt: null, faces: [detected(i % PEOPLE)] });
  album.photos.upsertPhoto(`p/${i}.jpg`, hash, { size: 1000 + i, mtimeMs: i }, clusterable);
}
const insertS = (performance.now() - t) / 1000;
console.log(
  `store: ${faces} photos with one face each: ${insertS.toFixed(1)} s (${(faces / insertS).toFixed(0)} photos/s of SQLite writes)`,
);

const log = album.log;
t = performance.now();
let run = await album.backend.runClustering({ deadline: Date.now() + 3_600_000, log });
console.log(
  `first incremental clustering of ${faces} new faces: ${secs(t)} s, ${run.newPeople} people (${PEOPLE} generated)`,
);

for (let i = faces; i < faces + 100; i++) {
  album.photos.saveAnalysis(`h${i}`, {
    width: 1000,
    height: 800,
    takenAt: null,
    faces: [detected(i % PEOPLE)],
  });
  album.photos.upsertPhoto(`p/${i}.jpg`, `h${i}`, { size: 1000 + i, mtimeMs: i }, clusterable);
}
t = performance.now();
run = await album.backend.runClustering({ deadline: Date.now() + 3_600_000, log });
console.log(
  `incremental clustering after 100 more photos: ${secs(t)} s (${run.outcome}, updated ${run.updatedPeople})`,
);

t = performance.now();
run = await album.backend.runClustering({ deadline: Date.now() + 3_600_000, log, full: true });
console.log(`full recluster: ${secs(t)} s (${run.outcome})`);

t = performance.now();
const page = await album.runtime.api.request('/people?limit=100');
console.log(
  `GET /people?limit=100: ${secs(t)} s (status ${page.status}, ${((await page.json()) as { items: unknown[] }).items.length} items)`,
);
const stats = await album.runtime.api.request('/stats');
console.log(`stats: ${JSON.stringify(await stats.json())}`);
console.log(`RSS: ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB`);
await album.close();
rmSync(work, { recursive: true, force: true });
