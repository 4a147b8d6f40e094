/**
 * Many small libraries on one machine (`start --libraries`) with synthetic faces (no engine): what each
 * open library costs in memory once indexed and once clustered, how long indexing and the bounded
 * clustering ticks take, and that a tick with nothing new costs no clustering.
 *   npm run bench:local-libraries -- [libraries=100] [photosPerLibrary=5] [thread|main]
 * `thread` (the default, as `start --libraries`): passes run in the one clustering thread of the process
 * (its RSS is the process's: counted in `clustered`); `main`: on the main thread.
 * Run with `node --expose-gc` (the npm script does) so RSS is read after a full GC.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localFunctions } from '../src/local/launcher/album-functions';
import { openLocalLibraries } from '../src/local/local-libraries';
import { createLogger } from '../src/log/logger';
import { syntheticFace, syntheticPhoto, TightGroups } from '../test/support/synthetic-faces';

const [libraries = 100, perLibrary = 5] = process.argv.slice(2, 4).map(Number);
const mode = process.argv[4] ?? 'thread';
const work = mkdtempSync(join(tmpdir(), 'fa-libraries-bench-'));
const groups = new TightGroups(3, 0.01);
const log = createLogger({ level: 'warn' });
const rssMb = () => {
  globalThis.gc?.();
  return process.memoryUsage().rss / 1048576;
};
const ms = (t: number) => Math.round(performance.now() - t);

const keys: string[] = [];
for (let l = 0; l < libraries; l++) {
  mkdirSync(join(work, 'photos', `u${l}`), { recursive: true });
  for (let i = 0; i < perLibrary; i++) {
    const key = `u${l}/${i}.jpg`;
    // The stand-in engine gives every photo of a library the same person.
    writeFileSync(join(work, 'photos', key), `${l}`);
    keys.push(key);
  }
}
const base = rssMb();
const libs = openLocalLibraries({
  photosDir: join(work, 'photos'),
  dataDir: join(work, 'data'),
  env: {},
  log,
  clusterInWorker: mode === 'thread',
  createEngine: async () => ({
    concurrency: 1,
    close: async () => {},
    analyze: async () => syntheticPhoto(syntheticFace(groups.face(1))),
  }),
});
const fns = localFunctions({ runtime: libs.factory, log, bucket: 'local' });

let t = performance.now();
for (let i = 0; i < keys.length; i += 100)
  await fns.index(keys.slice(i, i + 100).map((key) => ({ kind: 'created' as const, key })));
const indexMs = ms(t);
const indexed = rssMb();

t = performance.now();
let tick = await fns.cluster('bench');
let ticks = 1;
while (tick.remaining) {
  tick = await fns.cluster('bench');
  ticks++;
}
const clusterMs = ms(t);
const clustered = rssMb();

t = performance.now();
const idle = await fns.cluster('bench');
const idleTickMs = ms(t);

const perLib = (mb: number) => +(mb / libraries).toFixed(2);
console.log(
  JSON.stringify({
    libraries,
    mode,
    photos: keys.length,
    indexMs,
    clusterMs,
    ticks,
    idleTickMs,
    idleTickClustered: idle.libraries?.length ?? 0,
    rssMb: { base: Math.round(base), indexed: Math.round(indexed), clustered: Math.round(clustered) },
    perLibraryMb: { indexed: perLib(indexed - base), clustered: perLib(clustered - base) },
  }),
);
await libs.close();
rmSync(work, { recursive: true, force: true });
