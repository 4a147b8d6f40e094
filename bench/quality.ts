/**
 * Clustering quality on ../shared/datasets/faces-dev, face-album vs an Immich-style baseline on the same
 * embeddings.
 *
 * The album runs in-process exactly as `face-album scan` / `recluster` do (bench/quality-album.ts), on a
 * part of faces-dev split by identity (bench/quality-album.ts partOf): `dev` (~4/5, for tuning) or
 * `holdout` (~1/5, kept away from tuning), or `all`.
 *
 *   npm run bench:quality                         one scan of the dev part (full clustering) + a full recluster
 *   npm run bench:quality -- --batches 5          also the default incremental path: the photos arrive in 5
 *                                                 seeded batches, one scan each, then a full recluster
 *   --every-batch            also score the album after each batch (per-batch lines, mean and worst)
 *   npm run bench:quality -- --copies 6           copies variant: 12 identities (--identities) with every photo
 *                                                 copied 6 times into c0/..c5/, against the same without copies
 *   --part dev|holdout|all   which identities (default dev)     --limit n   seeded identity-preserving subset
 *   --analyses file.db       reuse the analyses of an earlier run (an album.db; written when missing), so only
 *                            clustering runs; without it the engine analyses every photo once (~6 min on 2 cores)
 *   --threshold x --attach-threshold z --join-threshold y --linkage average|centroid --ratio-test off|rank,ratio
 *   --isolated-groups off|threshold,ratio[,crowd] --strong-join off|link,ratio --twin-test on|off
 *   --small-people off|below,ratio --local-spread off|minPhotos,ratio[,trim]
 *                            clusterer options (tuning)
 *   --descriptor-flip        analyse with flip-averaged descriptors (face-analyzer.ts; only photos not in --analyses)
 *   --full-growth x          growth since the last full pass that makes a scan's pass full (default 0.25)
 *   --full-below n           album size (faces) under which every pass is full (default 10000; with
 *                            --full-growth Infinity, 0 = the purely incremental path)
 *   npm run bench:quality -- --folds 5           cross-validation (bench/quality-folds.ts): each candidate of
 *                                                 bench/quality-candidates.ts (--candidates a,b) on 5 identity-
 *                                                 disjoint folds of faces-dev, normal and stranger-heavy
 *                                                 (--scenario normal|strangers|both); --analyses defaults to
 *                                                 .bench/analyses.db (made once: one scan, ~6 min on 2 cores)
 *   --fuse w,s[,pca]                              with --folds: cluster face-api's vectors fused with Human's faceres
 *                                                 (the analyses' own `second` column); pca = principal components
 *                                                 kept, fitted per fold on the other folds (bench/second-embedding.ts);
 *                                                 the album's own: --fuse 0.6,0.72,128
 *   npm run bench:quality -- --export file.json   score an existing export (`face-album export --embeddings`):
 *                                                 its personIds, plus PersonClusterer run directly on its embeddings
 *
 * Besides face-album, "immich defaults" = Immich's job with its defaults (cosine 0.5, min 3 faces) and
 * "immich tuned" = the same at the cosine distance equivalent to our threshold (median norm), on the
 * embeddings of the single-scan run.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Linkage } from '../src/local/cluster/centroid-stats';
import { clusteringSession } from '../src/local/cluster/clustering-session';
import { type ClustererOptions, DEFAULT_CLUSTER_OPTIONS } from '../src/local/cluster/person-clusterer';
import { type ManifestRow, pickSubset, readManifest } from './dev-manifest';
import { arrivalBatches, type Placement, partOf, runAlbum } from './quality-album';
import { CANDIDATES } from './quality-candidates';
import {
  bothDatasetsPhotos,
  bothManifests,
  type FoldScore,
  foldOf,
  foldTable,
  type Scenario,
  scoreFolds,
} from './quality-folds';
import {
  buildTruth,
  type ExportFile,
  exportedAssignment,
  immichBaseline,
  ourClusterer,
  type QualityScores,
  score,
  type Truth,
} from './quality-score';
import { foldFusion, parseFusion, readSecondVectors } from './second-embedding';

const DATASET = path.resolve('../shared/datasets/faces-dev');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** `off` → null, `a,b` → the two numbers named, absent → the default. */
function pairOption<K extends string>(
  name: string,
  keys: [K, K],
  fallback: Record<K, number> | null,
): Record<K, number> | null {
  const v = arg(name);
  if (v === undefined) return fallback;
  if (v === 'off') return null;
  const [a, b] = v.split(',').map(Number);
  return { [keys[0]]: a, [keys[1]]: b } as Record<K, number>;
}

/** `on` / `off`, absent → the default. */
function onOff(name: string, fallback: boolean): boolean {
  const v = arg(name);
  if (v === undefined) return fallback;
  if (v !== 'on' && v !== 'off') throw new Error(`--${name} takes on or off, not ${v}`);
  return v === 'on';
}

/** `--local-spread off|minPhotos,ratio[,trim]`, absent → the default. */
function localSpreadOption(): ClustererOptions['localSpread'] {
  const v = arg('local-spread');
  if (v === undefined) return DEFAULT_CLUSTER_OPTIONS.localSpread;
  if (v === 'off') return null;
  const [minPhotos, ratio, trim] = v.split(',');
  return { minPhotos: Number(minPhotos), ratio: Number(ratio), trim: trim === 'trim' };
}

/** `--isolated-groups off|threshold,ratio[,crowd]`, absent → the default. */
function isolatedGroupsOption(): ClustererOptions['isolatedGroups'] {
  const v = arg('isolated-groups');
  if (v === undefined) return DEFAULT_CLUSTER_OPTIONS.isolatedGroups;
  if (v === 'off') return null;
  const [threshold, ratio, crowd] = v.split(',').map(Number);
  return { threshold: threshold!, ratio: ratio!, ...(crowd === undefined ? {} : { crowd }) };
}

function clustererOptions(): ClustererOptions {
  const threshold = Number(arg('threshold') ?? DEFAULT_CLUSTER_OPTIONS.threshold);
  return {
    ...DEFAULT_CLUSTER_OPTIONS,
    threshold,
    joinThreshold: Number(arg('join-threshold') ?? DEFAULT_CLUSTER_OPTIONS.joinThreshold),
    linkage: (arg('linkage') ?? DEFAULT_CLUSTER_OPTIONS.linkage) as Linkage,
    ratioTest: pairOption('ratio-test', ['rank', 'ratio'], DEFAULT_CLUSTER_OPTIONS.ratioTest),
    twinTest: onOff('twin-test', DEFAULT_CLUSTER_OPTIONS.twinTest),
    isolatedGroups: isolatedGroupsOption(),
    strongJoin: pairOption('strong-join', ['link', 'ratio'], DEFAULT_CLUSTER_OPTIONS.strongJoin),
    smallPeople: pairOption('small-people', ['below', 'ratio'], DEFAULT_CLUSTER_OPTIONS.smallPeople),
    localSpread: localSpreadOption(),
    attachThreshold: Number(
      arg('attach-threshold') ?? (arg('threshold') ? threshold : DEFAULT_CLUSTER_OPTIONS.attachThreshold),
    ),
  };
}

function printTable(rows: [string, QualityScores][]): void {
  const keys = Object.keys(rows[0]![1]) as (keyof QualityScores)[];
  const w = Math.max(...rows.map(([n]) => n.length)) + 2;
  console.log(''.padEnd(22) + rows.map(([n]) => n.padStart(w)).join(''));
  for (const k of keys) console.log(k.padEnd(22) + rows.map(([, s]) => String(s[k]).padStart(w)).join(''));
}

/** Baselines on an export's embeddings: Immich's defaults and Immich at our threshold. */
function immichRows(truth: Truth, threshold: number): [string, QualityScores][] {
  // For vectors of norm n, cosine distance = euclid² / (2n²); face-api descriptors have n ≈ 1.4.
  const norms = truth.faces
    .filter((f) => f.embedding)
    .map((f) => Math.hypot(...f.embedding!))
    .sort((a, b) => a - b);
  const n = norms[norms.length >> 1] ?? 1;
  const cosEq = Math.round(((threshold * threshold) / (2 * n * n)) * 1000) / 1000;
  return [
    ['immich defaults (cos 0.5)', score(truth, immichBaseline(truth, { maxDistance: 0.5, minFaces: 3 }))],
    [`immich tuned (cos ${cosEq})`, score(truth, immichBaseline(truth, { maxDistance: cosEq, minFaces: 3 }))],
  ];
}

/** Scores an export of a bench album: copies (c<k>/...) are looked up under their dataset path. */
function truthOf(data: ExportFile, manifest: ManifestRow[]): Truth {
  const photos = data.photos.map((p) => ({ ...p, path: p.path.replace(/^c\d+\//, '') }));
  return buildTruth(photos, manifest);
}

function scoreExport(data: ExportFile, manifest: ManifestRow[]): QualityScores {
  return score(truthOf(data, manifest), exportedAssignment(data.photos));
}

/** The old mode: an export file's own clustering, plus PersonClusterer straight on its embeddings. */
function scoreExportFile(file: string, manifest: ManifestRow[]): void {
  const data = JSON.parse(readFileSync(file, 'utf8')) as ExportFile;
  const truth = truthOf(data, manifest);
  const opts = clustererOptions();
  const rows: [string, QualityScores][] = [];
  const exported = exportedAssignment(data.photos);
  if (exported.some((p) => p !== null)) rows.push(['export', score(truth, exported)]);
  const ours = ourClusterer(truth, opts);
  rows.push(['clusterer incremental', score(truth, ours.incremental)]);
  rows.push(['clusterer recluster', score(truth, ours.reclustered)]);
  rows.push(...immichRows(truth, opts.threshold));
  printTable(rows);
}

async function main(): Promise<void> {
  const manifest = readManifest(DATASET);
  const exportPath = arg('export');
  if (exportPath) return scoreExportFile(exportPath, manifest);
  if (arg('folds') !== undefined || process.argv.includes('--folds')) return crossValidate();

  const part = arg('part') ?? 'dev';
  const seed = Number(arg('seed') ?? 20250601);
  let rows = manifest.filter((r) => part === 'all' || partOf(r) === part);
  const limit = arg('limit');
  if (limit) rows = pickSubset(rows, Number(limit), seed);
  const batches = Number(arg('batches') ?? 1);
  const copies = Number(arg('copies') ?? 1);
  const opts = clustererOptions();
  const given = arg('analyses');
  const analyses = given ?? path.join(os.tmpdir(), `face-album-quality-analyses-${process.pid}.db`);
  const fullBelow = arg('full-below');
  // The album gets only the options given on the command line: its own defaults for the vectors it clusters
  // on (face-api's or fused, fused-vectors.ts) hold for the rest, as in `face-album scan`.
  const givenOpts = Object.fromEntries(
    Object.entries(opts).filter(
      ([k, v]) => JSON.stringify(v) !== JSON.stringify(DEFAULT_CLUSTER_OPTIONS[k as keyof ClustererOptions]),
    ),
  ) as Partial<ClustererOptions>;
  const clusterer = () =>
    clusteringSession(givenOpts, fullBelow === undefined ? {} : { fullBelowFaces: Number(fullBelow) });
  const run = (placements: Placement[], n: number, afterBatch?: (snapshot: ExportFile) => void) =>
    runAlbum({
      dataset: DATASET,
      batches: arrivalBatches(placements, n, seed),
      analyses,
      clusterer,
      fullClusteringGrowth: arg('full-growth') ? Number(arg('full-growth')) : undefined,
      engine: process.argv.includes('--descriptor-flip') ? { descriptorFlip: true } : undefined,
      afterBatch,
    });
  // --every-batch: the album scored after each batch, against the photos it holds then (an identity with
  // 1–2 photos so far is a stranger so far).
  const grown: { photos: number; scores: QualityScores }[] = [];
  if (process.argv.includes('--every-batch') && (batches < 2 || copies > 1))
    throw new Error('--every-batch scores the batches of --batches n (n ≥ 2), without --copies');
  const scoreGrowth = process.argv.includes('--every-batch')
    ? (snapshot: ExportFile) => {
        grown.push({ photos: snapshot.photos.length, scores: scoreExport(snapshot, manifest) });
      }
    : undefined;
  const same = (rs: ManifestRow[]): Placement[] => rs.map((r) => ({ source: r.path, target: r.path }));

  const table: [string, QualityScores][] = [];
  const times: string[] = [];
  try {
    if (copies > 1) {
      // Identities with ≥ 3 photos, seeded pick; every photo copied into c0/ .. c<k-1>/ (same bytes).
      const byId = new Map<string, ManifestRow[]>();
      for (const r of rows)
        if (r.person && !r.person.includes('|') && !r.path.startsWith('_'))
          byId.set(r.person, [...(byId.get(r.person) ?? []), r]);
      const core = [...byId.keys()].filter((k) => byId.get(k)!.length >= 3).sort();
      const picked = arrivalBatches(core, 1, seed)[0]!.slice(0, Number(arg('identities') ?? 12));
      const chosen = picked.flatMap((k) => byId.get(k)!);
      const copied = chosen.flatMap((r) =>
        Array.from({ length: copies }, (_, c) => ({ source: r.path, target: `c${c}/${r.path}` })),
      );
      console.log(
        `copies variant: ${picked.length} identities, ${chosen.length} photos, ×${copies} = ${copied.length} files; ${batches} batch(es)`,
      );
      for (const [name, placements] of [
        ['no copies', same(chosen)],
        [`×${copies} copies`, copied],
      ] as const) {
        const r = await run(placements, batches);
        table.push([name, scoreExport(r.afterBatches, manifest)]);
        table.push([`${name} + recluster`, scoreExport(r.afterRecluster, manifest)]);
        times.push(`${name}: scans ${r.scanMs.map((t) => (t / 1000).toFixed(1)).join('+')} s`);
      }
    } else {
      const full = await run(same(rows), 1);
      table.push(['1 scan', scoreExport(full.afterBatches, manifest)]);
      table.push(['1 scan + recluster', scoreExport(full.afterRecluster, manifest)]);
      times.push(
        `1 scan ${(full.scanMs[0]! / 1000).toFixed(1)} s, recluster ${(full.reclusterMs / 1000).toFixed(1)} s`,
      );
      if (batches > 1) {
        const inc = await run(same(rows), batches, scoreGrowth);
        table.push([`${batches} batches`, scoreExport(inc.afterBatches, manifest)]);
        table.push([`${batches} batches + recluster`, scoreExport(inc.afterRecluster, manifest)]);
        times.push(
          `${batches} scans ${inc.scanMs.map((t) => (t / 1000).toFixed(1)).join('+')} s, recluster ${(inc.reclusterMs / 1000).toFixed(1)} s`,
        );
      }
      table.push(...immichRows(truthOf(full.afterBatches, manifest), opts.threshold));
    }
  } finally {
    if (!given) rmSync(analyses, { force: true });
  }
  console.log(
    `part ${part}${copies > 1 ? ' (copies variant above)' : `: ${rows.length} photos`}; the album's defaults for its vectors${Object.keys(givenOpts).length ? `, given: ${JSON.stringify(givenOpts)}` : ''}, full-growth ${arg('full-growth') ?? 'default'}, full-below ${fullBelow ?? 'default'}; ${times.join('; ')}`,
  );
  printTable(table);
  if (grown.length > 0) printGrowth(grown);
}

/**
 * `--folds k`: every candidate setting (bench/quality-candidates.ts; `--candidates a,b`, default all; the
 * clusterer flags above make the base they start from) on k identity-disjoint folds of faces-dev, in the
 * normal and the stranger-heavy scenario (`--scenario normal|strangers|both`, default both).
 */
async function crossValidate(): Promise<void> {
  const k = Number(arg('folds') ?? 5);
  if (!Number.isInteger(k) || k < 2) throw new Error(`--folds takes a whole number ≥ 2, not ${arg('folds')}`);
  const analyses = arg('analyses') ?? '.bench/analyses.db';
  const scenarioArg = arg('scenario') ?? 'both';
  if (!['normal', 'strangers', 'both'].includes(scenarioArg))
    throw new Error(`--scenario takes normal, strangers or both, not ${scenarioArg}`);
  const scenarios: Scenario[] = scenarioArg === 'both' ? ['normal', 'strangers'] : [scenarioArg as Scenario];
  const names = arg('candidates')?.split(',') ?? Object.keys(CANDIDATES);
  for (const n of names)
    if (!(n in CANDIDATES)) throw new Error(`no candidate ${n}: ${Object.keys(CANDIDATES).join(', ')}`);
  const all = await bothDatasetsPhotos(analyses);
  const second = arg('fuse') ? analyses : undefined;
  let fused: ReturnType<typeof foldFusion> | null = null;
  if (second !== undefined) {
    const fusion = parseFusion(arg('fuse') ?? '0.7,0.58');
    // A fold's basis is fitted on faces-dev photos of the other folds (never on strangers or the fold itself).
    const training = (fold: number) =>
      all.filter((p) => {
        const [set, folder] = p.path.split('/');
        return set === 'faces-dev' && foldOf(folder!, k) !== fold;
      });
    // Bases are cached beside the analyses they were fitted on, per fold count; a remade analyses.db is a new file.
    const stamp = Math.round(statSync(second).mtimeMs);
    fused = foldFusion(readSecondVectors(second), fusion, training, `${second}.basis-${stamp}-${k}folds`);
    console.log(
      `fused with ${second}: w ${fusion.w}, s ${fusion.s}, ${fusion.pca ? `${fusion.pca} principal components of faceres` : 'all of faceres'} (${fused.dim(all)} dims)`,
    );
  }
  if (scenarios.includes('strangers') && !all.some((p) => p.path.startsWith('faces-strangers/')))
    throw new Error(
      `${analyses} holds no faces-strangers photos: it is not the album.db of a run over both datasets`,
    );
  const manifest = bothManifests();
  const base = clustererOptions();
  const t0 = performance.now();
  for (const name of names) {
    const opts = { ...base, ...CANDIDATES[name]!, ...(fused ? { dim: fused.dim(all) } : {}) };
    const byScenario = scenarios.map(
      (sc) => [sc, scoreFolds(all, manifest, k, sc, opts, fused?.forFold)] as [Scenario, FoldScore[]],
    );
    console.log(`\n${foldTable(name, byScenario)}`);
    for (const [sc, fs] of byScenario) {
      const faces = fs.map((f) => `${f.scores.coreFaces}/${f.scores.distractorFaces}`).join(', ');
      console.log(`  ${sc}: core/stranger faces per fold ${faces}`);
    }
  }
  console.log(
    `\n${k} folds, ${names.length} candidate(s), ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}

function printGrowth(grown: { photos: number; scores: QualityScores }[]): void {
  const line = (s: QualityScores) =>
    `P ${s.bcubedP.toFixed(3)}  R ${s.bcubedR.toFixed(3)}  strangers ${(s.distractorWrongShare * 100).toFixed(1)} % (${Math.round(s.distractorWrongShare * s.distractorFaces)} of ${s.distractorFaces})`;
  console.log('after each batch:');
  for (const [i, g] of grown.entries())
    console.log(`  ${String(i + 1).padStart(3)}  ${String(g.photos).padStart(5)} photos  ${line(g.scores)}`);
  const all = grown.map((g) => g.scores);
  const mean = (k: 'bcubedP' | 'bcubedR' | 'distractorWrongShare') =>
    all.reduce((a, s) => a + s[k], 0) / all.length;
  console.log(
    `  mean P ${mean('bcubedP').toFixed(3)}  R ${mean('bcubedR').toFixed(3)}  strangers ${(mean('distractorWrongShare') * 100).toFixed(1)} %;` +
      ` worst P ${Math.min(...all.map((s) => s.bcubedP)).toFixed(3)}  R ${Math.min(...all.map((s) => s.bcubedR)).toFixed(3)}` +
      `  strangers ${(Math.max(...all.map((s) => s.distractorWrongShare)) * 100).toFixed(1)} %`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
