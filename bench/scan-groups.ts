/**
 * The whole `face-album scan` command, cold start included, on ~2-megapixel group photos it makes from faces-dev
 * (bench/collages.ts), once per recognition runtime, in turn (npm run bench:scan-groups). Each run scans a fresh data
 * folder through bin/face-album.cjs with FACE_ENGINE_RECOGNITION set; /usr/bin/time gives wall and CPU time.
 * Photos/s is the wall-clock figure; "CPU-bound" is what the same CPU time would give on 2 otherwise idle cores.
 *
 * Flags: --photos 60  --grid 3x1  --runtimes onnx,tfjs  --rounds 1 (each round runs every runtime once)
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeCollages } from './collages';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const count = Number(flag('photos', '60'));
const grid = flag('grid', '3x1');
const runtimes = flag('runtimes', 'onnx,tfjs').split(',');
const rounds = Number(flag('rounds', '1'));
const CLI = path.resolve(import.meta.dirname, '../bin/face-album.cjs');

const files = await makeCollages(grid, count);
const work = mkdtempSync(path.join(os.tmpdir(), 'fa-scan-groups-'));
const photos = path.join(work, 'photos');
mkdirSync(photos);
// Copies, not symlinks: scan does not follow links out of the photos folder.
for (const f of files) copyFileSync(f, path.join(photos, path.basename(f)));
console.log(
  `# bench:scan-groups  ${count} photos, grid ${grid}, loadavg(before)=${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
try {
  for (let r = 0; r < rounds; r++) {
    for (const runtime of runtimes) {
      const data = path.join(work, `data-${runtime}-${r}`);
      const timeFile = path.join(work, 'time.txt');
      execFileSync(
        '/usr/bin/time',
        ['-o', timeFile, '-f', '%e %U %S %M', process.execPath, CLI, 'scan', photos, '--data', data],
        {
          env: {
            ...process.env,
            FACE_ENGINE_RECOGNITION: runtime,
            LOG_LEVEL: 'warn',
            FACE_ALBUM_LOG_FORMAT: 'json',
          },
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      const [wall, user, sys, maxKb] = execFileSync('tail', ['-n1', timeFile], { encoding: 'utf8' })
        .trim()
        .split(' ')
        .map(Number) as [number, number, number, number];
      console.log(
        JSON.stringify({
          runtime,
          round: r,
          photos: count,
          wallS: wall,
          photosPerSec: Number((count / wall).toFixed(2)),
          cpuS: Number((user + sys).toFixed(1)),
          cpuBoundPhotosPerSec: Number((count / ((user + sys) / 2)).toFixed(2)),
          largestProcessRssMb: Math.round(maxKb / 1024),
          loadavg: os.loadavg()[0]!.toFixed(2),
        }),
      );
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
