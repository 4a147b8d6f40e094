/**
 * Where the time of one "who is this?" search goes (POST /people/search on the local backend): the engine's
 * stages for the benchmark's 2-MP image with three faces (bench/api.ts's searchImage), one photo at a time on
 * one worker, wall and CPU ms per stage, medians of --runs after two warm-up runs.
 *
 *   tsx bench/search-profile.ts [--runs 15] [--detect-max-side 1280] [--mesh-max-side 1024]
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createFaceEngine, DEFAULT_DETECT_MAX_SIDE } from '../src/local/engine/create-face-engine';
import { DEFAULT_MESH_MAX_SIDE, type StageTimings } from '../src/local/engine/face-analyzer';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '15' },
    'detect-max-side': { type: 'string', default: String(DEFAULT_DETECT_MAX_SIDE) },
    'mesh-max-side': { type: 'string', default: String(DEFAULT_MESH_MAX_SIDE) },
  },
});
const DEV = resolve(import.meta.dirname, '../../shared/datasets/faces-dev');

/** The same image bench/api.ts searches with: three faces-dev photos at 500 px on a 1632×1224 grey ground. */
async function searchImage(): Promise<Buffer> {
  const picks = readdirSync(DEV)
    .filter((d) => !d.includes('.') && !d.startsWith('_'))
    .slice(190, 193)
    .map((d) => join(DEV, d, readdirSync(join(DEV, d)).find((f) => f.endsWith('.jpg'))!));
  const tiles = await Promise.all(picks.map((f) => sharp(f).resize(500, 500).toBuffer()));
  return sharp({ create: { width: 1632, height: 1224, channels: 3, background: { r: 110, g: 110, b: 110 } } })
    .composite(tiles.map((input, i) => ({ input, left: 30 + i * 530, top: 360 })))
    .jpeg({ quality: 90 })
    .toBuffer();
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const image = new Uint8Array(await searchImage());
const engine = await createFaceEngine({
  workers: 1,
  detectMaxSide: Number(args['detect-max-side']),
  meshMaxSide: Number(args['mesh-max-side']),
});
try {
  const timings: StageTimings[] = [];
  const rtt: number[] = [];
  let faces = 0;
  for (let i = 0; i < Number(args.runs) + 2; i++) {
    const t0 = performance.now();
    const r = await engine.analyzeWithTimings({ bytes: image });
    const wall = performance.now() - t0;
    faces = r.photo.faces.length;
    if (i < 2) continue;
    timings.push(r.timings);
    rtt.push(wall);
  }
  const m = (f: (t: StageTimings) => number) => median(timings.map(f)).toFixed(1);
  console.log(
    `2-MP image (1632×1224, ${image.length} bytes), ${faces} faces, ${timings.length} runs, one worker; median ms`,
  );
  console.log(`wall: round trip ${median(rtt).toFixed(1)}, in worker ${m((t) => t.total)}`);
  console.log(
    `  decode ${m((t) => t.decode)}, detect ${m((t) => t.detect)}, describe ${m((t) => t.describe)}`,
  );
  console.log(
    `cpu: total ${m((t) => t.cpu)}; decode ${m((t) => t.cpuStages.decode)}, tensor ${m((t) => t.cpuStages.tensor)}, detect ${m((t) => t.cpuStages.detect)}, describe ${m((t) => t.cpuStages.describe)} (of which recognize ${m((t) => t.cpuStages.recognize)}, ageGender ${m((t) => t.cpuStages.ageGender)})`,
  );
} finally {
  await engine.close();
}
