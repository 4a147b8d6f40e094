/**
 * Indexing throughput and memory of the local face engine (npm run bench:index).
 *
 *   (a) a sample of faces-dev photos (mostly 250×250 LFW, a few larger extras)
 *   (b) ~2-megapixel collages (1728×1152) of dev photos, written once to .bench/collages/<grid>/ (git-ignored);
 *       grid 1x1 = one upscaled portrait (1 face), 3x1 = 3 faces, 2x2 = 4 faces, 3x2 = 6 faces per photo.
 *
 * Photos/s is the median over --runs passes (after one warm-up pass), with the queue kept full. Peak RSS is the
 * largest sum of the workers' VmRSS sampled from /proc every 50 ms, plus each worker's VmHWM.
 *
 * --runtimes onnx,tfjs starts one engine per recognition runtime (face-analyzer.ts) and runs their passes in turn,
 * set by set and run by run, so a before/after shares the same moments of a shared machine; only the engine whose
 * pass is running is busy.
 *
 * --second on,off likewise starts one engine with and one without the second embedding (Human's faceres,
 * AnalyzerOptions.secondEmbedding) per runtime, for its cost side by side.
 *
 * Flags: --sample 300  --collages 40  --grids 1x1,3x1,3x2  --runs 3  --workers <default: cores>  --runtimes auto
 *        --second on  --detect-max-side 1280  --mesh-max-side 1024  --only dev|collage
 *        --descriptor-flip (face-analyzer.ts)
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createFaceEngine,
  DEFAULT_DETECT_MAX_SIDE,
  type LocalFaceEngine,
} from '../src/local/engine/create-face-engine';
import type { RecognitionRuntime, StageTimings } from '../src/local/engine/face-analyzer';
import { COLLAGE_H, COLLAGE_W, DEV, evenlySpaced, makeCollages, manifestPaths } from './collages';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const sampleSize = Number(flag('sample', '300'));
const collageCount = Number(flag('collages', '40'));
const grids = flag('grids', '1x1,3x1,3x2').split(',');
const runtimes = flag('runtimes', 'auto').split(',') as RecognitionRuntime[];
const seconds = flag('second', 'on')
  .split(',')
  .map((v) => {
    if (v !== 'on' && v !== 'off') throw new Error(`--second takes on, off or on,off, not ${v}`);
    return v === 'on';
  });
const runs = Number(flag('runs', '3'));
const workers = process.argv.includes('--workers') ? Number(flag('workers', '2')) : undefined;
const detectMaxSide = Number(flag('detect-max-side', String(DEFAULT_DETECT_MAX_SIDE)));
const meshMaxSide = Number(flag('mesh-max-side', '1024'));
const only = flag('only', '');
const descriptorFlip = process.argv.includes('--descriptor-flip');

function procKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};

interface PassResult {
  photosPerSec: number;
  timings: StageTimings[];
  faces: number[];
  errors: number;
}

async function pass(engine: LocalFaceEngine, files: string[]): Promise<PassResult> {
  const t0 = performance.now();
  const timings: StageTimings[] = [];
  const faces: number[] = [];
  let errors = 0;
  await Promise.all(
    files.map(async (f) => {
      try {
        const r = await engine.analyzeWithTimings({ path: f });
        timings.push(r.timings);
        faces.push(r.photo.faces.length);
      } catch {
        errors++;
      }
    }),
  );
  return { photosPerSec: files.length / ((performance.now() - t0) / 1000), timings, faces, errors };
}

interface Engine {
  runtime: string;
  second: boolean;
  engine: LocalFaceEngine;
}

const CPU_STAGES = ['decode', 'tensor', 'detect', 'describe', 'recognize', 'ageGender', 'second'] as const;

async function benchSet(
  engines: Engine[],
  name: string,
  files: string[],
): Promise<Record<string, unknown>[]> {
  for (const { engine } of engines)
    await pass(engine, files.slice(0, Math.min(files.length, 2 * engine.concurrency + 4))); // warm-up
  const results = engines.map(() => [] as PassResult[]);
  const peaks = engines.map(() => 0);
  for (let r = 0; r < runs; r++) {
    for (const [i, { engine }] of engines.entries()) {
      const sampler = setInterval(() => {
        const sum = engine.workerPids().reduce((s, pid) => s + procKb(pid, 'VmRSS'), 0);
        peaks[i] = Math.max(peaks[i]!, sum);
      }, 50);
      results[i]!.push(await pass(engine, files));
      clearInterval(sampler);
    }
  }
  return engines.map(({ runtime, second, engine }, i) => {
    const res = results[i]!;
    const all = res.flatMap((r) => r.timings);
    const row = {
      set: name,
      runtime,
      recognition: engine.recognition()?.runtime,
      second: second ? 'on' : 'off',
      photos: files.length,
      runs,
      workers: engine.concurrency,
      photosPerSec: Number(median(res.map((r) => r.photosPerSec)).toFixed(2)),
      perRun: res.map((r) => Number(r.photosPerSec.toFixed(2))),
      facesPerPhoto: Number(
        (res[0]!.faces.reduce((a, b) => a + b, 0) / Math.max(1, res[0]!.faces.length)).toFixed(2),
      ),
      errors: res[0]!.errors,
      medianMsPerPhoto: {
        decode: Number(median(all.map((t) => t.decode)).toFixed(1)),
        detect: Number(median(all.map((t) => t.detect)).toFixed(1)),
        describe: Number(median(all.map((t) => t.describe)).toFixed(1)),
        total: Number(median(all.map((t) => t.total)).toFixed(1)),
        cpu: Number(median(all.map((t) => t.cpu)).toFixed(1)),
      },
      medianCpuMsPerPhoto: Object.fromEntries(
        CPU_STAGES.map((k) => [k, Number(median(all.map((t) => t.cpuStages[k])).toFixed(1))]),
      ),
      // What the workers could do on otherwise idle cores: workers / median CPU seconds per photo.
      cpuBoundPhotosPerSec: Number((engine.concurrency / (median(all.map((t) => t.cpu)) / 1000)).toFixed(2)),
      peakRssSumMb: Math.round(peaks[i]! / 1024),
      workerHwmMb: engine.workerPids().map((pid) => Math.round(procKb(pid, 'VmHWM') / 1024)),
    };
    console.log(JSON.stringify(row));
    return row;
  });
}

const load = os
  .loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
console.log(
  `# bench:index  cores=${os.availableParallelism()}  loadavg(before)=${load}  detectMaxSide=${detectMaxSide} meshMaxSide=${meshMaxSide}`,
);
const engines: Engine[] = [];
const rows: Record<string, unknown>[] = [];
try {
  for (const runtime of runtimes) {
    for (const second of seconds) {
      const t0 = performance.now();
      const engine = await createFaceEngine({
        workers,
        detectMaxSide,
        meshMaxSide,
        descriptorFlip,
        secondEmbedding: second,
        recognitionRuntime: runtime,
        maxJobsPerWorker: 1_000_000,
      });
      engines.push({ runtime, second, engine });
      console.log(
        `# engine ${runtime} second=${second ? 'on' : 'off'} start (${engine.concurrency} workers, models loaded + warm-up): ${((performance.now() - t0) / 1000).toFixed(2)} s; recognition ${JSON.stringify(engine.recognition())}`,
      );
    }
  }
  if (only !== 'collage') {
    const sample = evenlySpaced(manifestPaths(), sampleSize).map((p) => path.join(DEV, p));
    rows.push(...(await benchSet(engines, `faces-dev sample`, sample)));
  }
  if (only !== 'dev') {
    for (const grid of grids) {
      const files = await makeCollages(grid, collageCount);
      rows.push(...(await benchSet(engines, `2MP ${COLLAGE_W}x${COLLAGE_H} collage ${grid}`, files)));
    }
  }
} finally {
  await Promise.all(engines.map((e) => e.engine.close()));
}
console.log(
  '\n| set | runtime | second | faces/photo | photos/s (runs) | CPU ms/photo: total; decode / tensor / detect / describe (recognize, age-gender, second) | peak RSS |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows as {
  set: string;
  recognition: string;
  second: string;
  facesPerPhoto: number;
  medianMsPerPhoto: { cpu: number };
  photosPerSec: number;
  perRun: number[];
  medianCpuMsPerPhoto: Record<(typeof CPU_STAGES)[number], number>;
  peakRssSumMb: number;
}[]) {
  const c = r.medianCpuMsPerPhoto;
  console.log(
    `| ${r.set} | ${r.recognition} | ${r.second} | ${r.facesPerPhoto} | ${r.photosPerSec} (${r.perRun.join(', ')}) | ${r.medianMsPerPhoto.cpu}; ${c.decode} / ${c.tensor} / ${c.detect} / ${c.describe} (${c.recognize}, ${c.ageGender}, ${c.second}) | ${r.peakRssSumMb} MB |`,
  );
}
console.log(
  `# loadavg(after)=${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}  (other jobs on the machine skew these figures)`,
);
