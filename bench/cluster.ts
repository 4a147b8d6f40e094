/**
 * Clusterer speed/memory at 10k and 100k synthetic faces (uneven identity sizes, singletons, group photos,
 * 10% non-clusterable): load (index build), full recluster, then per-face incremental addFaces.
 * Goals: recluster ≤ 30 s, incremental ≤ 5 ms per face (median and p90 printed).
 *
 *   npm run bench:cluster [-- --sizes 10000,100000] [--twin-test on|off] [--before-issue-17]
 *   --before-issue-17: the clusterer without issue 17's defaults (isolated groups' crowd limit, localSpread)
 *   --fused: the vectors an album clusters on when every face has Human's faceres vector (fused-vectors.ts):
 *            face-api's 128-d part as usual, plus a synthetic 1024-d unit faceres vector (same person ~0.66
 *            apart, others ~1.4) projected onto the album's 128 principal components
 */
import os from 'node:os';
import type { ClusterFace } from '../src/local/cluster/cluster-types';
import { FUSED_DIM, faceresBasis, fuse } from '../src/local/cluster/fused-vectors';
import { PersonClusterer } from '../src/local/cluster/person-clusterer';
import { projectOnBasis } from '../src/local/cluster/second-basis';
import {
  Gaussian,
  mulberry32,
  SYNTHETIC_THRESHOLDS,
  SyntheticIdentities,
} from '../test/support/synthetic-faces';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

interface Synthetic {
  faces: ClusterFace[];
  truth: Map<number, number>;
  identities: number;
}

/**
 * faceres-like second vectors: an identity centre plus noise, unit length. Noise sd 0.53 × the centre's gives
 * two faces of one person a cosine of ~0.78 (~0.66 apart, as faceres measured on faces-dev); two people ~1.4.
 */
class SyntheticSecond {
  private readonly g = new Gaussian(mulberry32(7));
  private readonly centres = new Map<number, Float32Array>();

  face(identity: number): Float32Array {
    let c = this.centres.get(identity);
    if (!c) {
      c = Float32Array.from({ length: 1024 }, () => this.g.next());
      this.centres.set(identity, c);
    }
    const v = c.map((x) => x + this.g.next() * 0.53);
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  }
}

/** Identity sizes: Pareto-like (a few huge, many small), plus ~15% of faces from 1–2-image distractors. */
function makeFaces(n: number, seed: number): Synthetic {
  const s = new SyntheticIdentities(seed);
  const second = withSecond ? new SyntheticSecond() : null;
  const faces: ClusterFace[] = [];
  const truth = new Map<number, number>();
  let photoId = 1;
  let identities = 0;
  const pool: { id: number; left: number }[] = [];
  let planned = 0;
  while (planned < n) {
    const id = s.newIdentity();
    identities++;
    const size =
      s.rnd() < 0.45 ? 1 + Math.floor(s.rnd() * 2) : Math.min(2000, Math.floor(3 / (1 - s.rnd()) ** 0.8));
    pool.push({ id, left: size });
    planned += size;
  }
  // Deal faces out in a shuffled order (photos arrive mixed); ~8% of photos are group photos of 2–4 people.
  let live = pool.filter((p) => p.left > 0);
  while (faces.length < n && live.length > 0) {
    const inPhoto = s.rnd() < 0.08 ? 2 + Math.floor(s.rnd() * 3) : 1;
    const used = new Set<number>();
    for (let k = 0; k < inPhoto && faces.length < n; k++) {
      const p = live[Math.floor(s.rnd() * live.length)]!;
      if (used.has(p.id)) continue;
      used.add(p.id);
      p.left--;
      const id = faces.length + 1;
      faces.push({
        id,
        photoId,
        embedding: second
          ? fuse(s.face(p.id), projectOnBasis(faceresBasis(), second.face(p.id)))
          : s.face(p.id),
        clusterable: s.rnd() > 0.1,
        personId: null,
        pinnedPersonId: null,
        rejectedPersonIds: [],
      });
      truth.set(id, p.id);
    }
    photoId++;
    if (faces.length % 1000 === 0) live = live.filter((p) => p.left > 0);
    else if (live.some((p) => p.left <= 0)) live = live.filter((p) => p.left > 0);
  }
  return { faces, truth, identities };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function purity(
  c: PersonClusterer,
  faces: ClusterFace[],
  truth: Map<number, number>,
): { precision: number; assigned: number } {
  // Share of assigned faces that sit with their person's majority identity (a quick precision proxy).
  let agree = 0;
  let assigned = 0;
  for (const pid of c.personIds()) {
    const counts = new Map<number, number>();
    for (const f of c.membersOf(pid)) counts.set(truth.get(f)!, (counts.get(truth.get(f)!) ?? 0) + 1);
    agree += Math.max(...counts.values());
    assigned += c.membersOf(pid).length;
  }
  return { precision: assigned ? agree / assigned : 1, assigned: assigned / faces.length };
}

function run(n: number): void {
  const t0 = performance.now();
  const { faces, truth, identities } = makeFaces(n, 4242 + n);
  const tGen = performance.now() - t0;
  const incrementalCount = Math.min(2000, Math.floor(n * 0.05));
  const base = faces.slice(0, n - incrementalCount);
  const late = faces.slice(n - incrementalCount);

  const c = new PersonClusterer({
    ...SYNTHETIC_THRESHOLDS,
    twinTest,
    ...before17,
    ...(withSecond ? { dim: FUSED_DIM } : {}),
  });
  let t = performance.now();
  const cpuLoad0 = process.cpuUsage();
  c.load(base, []);
  const tLoad = performance.now() - t;
  const cpuLoad = process.cpuUsage(cpuLoad0);

  t = performance.now();
  let cpu = process.cpuUsage();
  const ch = c.recluster();
  const tRecluster = performance.now() - t;
  const cpuRecluster = process.cpuUsage(cpu);
  const firstPhases = c.lastReclusterMs;
  const q = purity(c, base, truth);

  const times: number[] = [];
  for (const f of late) {
    const t1 = performance.now();
    c.addFaces([f]);
    times.push(performance.now() - t1);
  }
  times.sort((a, b) => a - b);

  t = performance.now();
  cpu = process.cpuUsage();
  const again = c.recluster();
  const tRecluster2 = performance.now() - t;
  const cpuRecluster2 = process.cpuUsage(cpu);

  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log(
    JSON.stringify({
      faces: n,
      twinTest: c.opts.twinTest,
      beforeIssue17: process.argv.includes('--before-issue-17'),
      dim: c.opts.dim,
      identities,
      genMs: Math.round(tGen),
      loadIndexMs: Math.round(tLoad),
      loadIndexCpuMs: Math.round((cpuLoad.user + cpuLoad.system) / 1000),
      reclusterMs: Math.round(tRecluster),
      // CPU time of this (single-threaded) process: what the wall time would be without other load.
      reclusterCpuMs: Math.round((cpuRecluster.user + cpuRecluster.system) / 1000),
      reclusterPhasesMs: firstPhases,
      reclusterPersons: c.personIds().length,
      reclusterCreated: ch.createdPersons.length,
      purityProxy: Number(q.precision.toFixed(4)),
      assignedShare: Number(q.assigned.toFixed(3)),
      incrementalFaces: late.length,
      incrementalMedianMs: Number(pct(times, 0.5).toFixed(3)),
      incrementalP90Ms: Number(pct(times, 0.9).toFixed(3)),
      // The first face after a recluster rebuilds the waiting-faces index (built lazily).
      incrementalMaxMs: Number(times[times.length - 1]!.toFixed(2)),
      secondReclusterMs: Math.round(tRecluster2),
      secondReclusterCpuMs: Math.round((cpuRecluster2.user + cpuRecluster2.system) / 1000),
      secondReclusterPhasesMs: c.lastReclusterMs,
      secondReclusterMoved: again.assignments.length,
      peakRssMb: Math.round(rssMb),
    }),
  );
}

const sizes = arg('sizes', '10000,100000').split(',').map(Number);
const twinArg = arg('twin-test', 'on');
if (twinArg !== 'on' && twinArg !== 'off') throw new Error(`--twin-test takes on or off, not ${twinArg}`);
const twinTest = twinArg === 'on';
const withSecond = process.argv.includes('--fused');
const before17 = process.argv.includes('--before-issue-17')
  ? { isolatedGroups: { threshold: 0.55, ratio: 1.08 }, localSpread: null }
  : {};
console.log(
  `load average ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} on ${os.cpus().length} cores (wall times include other processes' load)`,
);
for (const n of sizes) run(n);
console.log(
  'goals: reclusterMs ≤ 30000, incrementalMedianMs and incrementalP90Ms ≤ 5 (peakRssMb is the process peak so far)',
);
