/**
 * Cold-start figures for the FC bundles: size on disk and module load time.
 * Each bundle folder is copied outside the project (as FC sees it: no node_modules around), then
 * loaded by N fresh `node` processes; each child times its own `require` with process.hrtime.
 * Goals: ≤ 1 MB per bundle, ≤ 100 ms median require. Prints PASS/FAIL, always exits 0 (figures, not tests).
 *
 * Usage: tsx bench/cold.ts [--runs 15] [--no-build] [--against <other checkout>]
 * `--against` loads that checkout's `dist/<fn>/index.js` (built there with `npm run build` beforehand)
 * interleaved with ours, one process each in turn, so both are measured at the same machine moment.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildFunctions, DIST, FUNCTIONS, SIZE_GOAL_BYTES } from '../scripts/build';

const LOAD_GOAL_MS = 100;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] as number;
}

/** One fresh process: returns the in-process require time in ms. */
function requireOnce(file: string): number {
  const script =
    `const t=process.hrtime.bigint();const m=require(${JSON.stringify(file)});` +
    `const ms=Number(process.hrtime.bigint()-t)/1e6;if(typeof m.handler!=='function')throw new Error('no handler');process.stdout.write(String(ms));`;
  const out = execFileSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
  return Number(out.trim());
}

/** A bundle folder copied exactly as deployed, away from any node_modules; returns its index.js. */
function deployedCopy(dist: string, fn: string, scratch: string, label: string): string {
  const dir = path.join(scratch, label, fn);
  cpSync(path.join(dist, fn), dir, { recursive: true });
  return path.join(dir, 'index.js');
}

const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

async function main(): Promise<void> {
  const runs = Math.max(1, Number(arg('--runs') ?? 15));
  const against = arg('--against');
  if (
    !process.argv.includes('--no-build') ||
    !FUNCTIONS.every((f) => existsSync(path.join(DIST, f, 'index.js')))
  ) {
    await buildFunctions();
  }
  const scratch = mkdtempSync(path.join(tmpdir(), 'face-album-cold-'));
  console.log(
    `cold-start bench: ${runs} fresh node ${process.version} processes per bundle; goals ≤ 1 MB, median require ≤ ${LOAD_GOAL_MS} ms`,
  );
  console.log('function   bytes      MB      median ms  p90 ms   min ms   size  load');
  try {
    for (const fn of FUNCTIONS) {
      const file = deployedCopy(DIST, fn, scratch, 'this');
      const other = against ? deployedCopy(path.join(against, 'dist'), fn, scratch, 'other') : null;
      const bytes = statSync(file).size;
      requireOnce(file); // warm the OS file cache; FC's first load is colder still
      if (other) requireOnce(other);
      const times: number[] = [];
      const otherTimes: number[] = [];
      for (let i = 0; i < runs; i++) {
        // Alternate who goes first so neither always gets the warmer moment.
        const pair = i % 2 ? [other, file] : [file, other];
        for (const f of pair) if (f) (f === file ? times : otherTimes).push(requireOnce(f));
      }
      times.sort((a, b) => a - b);
      const med = percentile(times, 50);
      const p90 = percentile(times, 90);
      const sizeOk = bytes <= SIZE_GOAL_BYTES;
      const loadOk = med <= LOAD_GOAL_MS;
      console.log(
        `${fn.padEnd(10)} ${String(bytes).padEnd(10)} ${(bytes / 1024 / 1024).toFixed(3).padEnd(7)} ` +
          `${med.toFixed(1).padStart(9)}  ${p90.toFixed(1).padStart(6)}  ${(times[0] ?? NaN).toFixed(1).padStart(6)}   ` +
          `${sizeOk ? 'PASS' : 'FAIL'}  ${loadOk ? 'PASS' : 'FAIL'}`,
      );
      if (other) {
        const otherBytes = statSync(other).size;
        const otherMed = median(otherTimes);
        console.log(
          `  against  ${String(otherBytes).padEnd(10)} ${(otherBytes / 1024 / 1024).toFixed(3).padEnd(7)} ` +
            `${otherMed.toFixed(1).padStart(9)}   size ${(bytes - otherBytes >= 0 ? '+' : '') + (bytes - otherBytes)} B, ` +
            `load ratio ${(med / otherMed).toFixed(3)}`,
        );
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  // Figures, not tests: report the problem but do not fail the caller.
  console.error('bench:cold could not run:', err instanceof Error ? err.message : err);
});
