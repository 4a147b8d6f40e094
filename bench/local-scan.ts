/**
 * Local album throughput: `face-album scan` over N real photos (LFW, faces-dev), then what a restart
 * costs when nothing changed, a full recluster, and an export. Prints figures; asserts nothing.
 *   npm run bench:local-scan -- [photos=200] [workers=cores]
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

process.env.LOG_LEVEL ??= 'warn';
const [count = 200, workers = availableParallelism()] = process.argv.slice(2).map(Number);
const DEV = resolve(import.meta.dirname, '../../shared/datasets/faces-dev');

const work = mkdtempSync(join(tmpdir(), 'fa-bench-'));
const photos = join(work, 'photos');
const data = join(work, 'data');
// Up to 8 photos per identity so clustering has people to find.
let placed = 0;
for (const person of readdirSync(DEV)
  .filter((d) => !d.startsWith('_') && !d.includes('.'))
  .sort()) {
  const files = readdirSync(join(DEV, person))
    .filter((f) => f.endsWith('.jpg'))
    .slice(0, 8);
  if (files.length < 3) continue;
  mkdirSync(join(photos, person), { recursive: true });
  for (const f of files) {
    if (placed >= count) break;
    copyFileSync(join(DEV, person, f), join(photos, person, f));
    placed++;
  }
  if (placed >= count) break;
}

const { scanCommand } = await import('../src/local/cli/scan-command');
const { createLogger } = await import('../src/log/logger');
const { openLocalAlbum } = await import('../src/local/local-runtime');
const { exportAlbum } = await import('../src/local/cli/export-command');
const secs = (t: number) => ((performance.now() - t) / 1000).toFixed(2);

let t = performance.now();
const first = await scanCommand({
  photosDir: photos,
  dataDir: data,
  workers,
  tty: false,
  logLevel: 'warn',
});
const firstS = (performance.now() - t) / 1000;
console.log(
  `scan: ${placed} photos, ${workers} workers: ${firstS.toFixed(1)} s (incl. model load), ${(placed / firstS).toFixed(2)} photos/s; indexed ${first.indexed}, rejected ${first.rejected}`,
);
console.log(`main process RSS after scan: ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB`);

t = performance.now();
const again = await scanCommand({
  photosDir: photos,
  dataDir: data,
  workers,
  tty: false,
  logLevel: 'warn',
});
console.log(
  `rescan with nothing changed: ${secs(t)} s (indexed ${again.indexed}, unchanged ${again.unchanged})`,
);

const album = openLocalAlbum({
  photosDir: photos,
  dataDir: data,
  workers,
  env: {},
  log: createLogger({ level: 'warn' }),
});
t = performance.now();
const run = await album.backend.runClustering({ deadline: Date.now() + 600_000, log: album.log, full: true });
console.log(`full recluster: ${secs(t)} s (${run.outcome})`);
t = performance.now();
const exp = exportAlbum(album, { embeddings: true });
console.log(
  `export --embeddings: ${secs(t)} s, ${exp.photos.length} photos, ${exp.people.length} people, ${JSON.stringify(exp).length} bytes`,
);
await album.close();
rmSync(work, { recursive: true, force: true });
