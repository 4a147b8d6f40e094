/**
 * Clustering quality on ../shared/datasets/faces-dev, face-album vs an Immich-style baseline on the same
 * embeddings.
 *
 *   npm run bench:quality                         scan the dev set with the CLI into a fresh data dir, export, score
 *   npm run bench:quality -- --limit 1500         same on a seeded identity-preserving subset (copied to a temp dir)
 *   npm run bench:quality -- --export file.json   score an existing export (one kept with --save, or
 *                                                 `face-album export --embeddings`) — its personIds, plus direct runs
 *   extra: --threshold x --attach-threshold z --join-threshold y --linkage average|centroid   clusterer options for the direct runs (tuning)
 *          --save file.json                       keep the CLI export (e.g. in .bench/, git-ignored) for re-scoring
 *
 * Printed systems: "face-album (CLI)" = the personIds in the export (what the local album shows);
 * "clusterer incremental" / "clusterer recluster" = PersonClusterer run here on the export's embeddings
 * (scan order, then the timer's full re-cluster); "immich defaults" = Immich's job with its defaults
 * (cosine 0.5, min 3 faces); "immich tuned" = the same algorithm at the cosine distance equivalent to our threshold (median norm).
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Linkage } from '../src/local/cluster/centroid-stats';
import { DEFAULT_CLUSTER_OPTIONS } from '../src/local/cluster/person-clusterer';
import { pickSubset, readManifest } from './dev-manifest';
import {
  buildTruth,
  type ExportFile,
  exportedAssignment,
  immichBaseline,
  ourClusterer,
  type QualityScores,
  score,
} from './quality-score';

const DATASET = path.resolve('../shared/datasets/faces-dev');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function runCli(limit: number | undefined): ExportFile {
  const rows = readManifest(DATASET);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'face-album-quality-'));
  const dataDir = path.join(tmp, 'data');
  let photosDir = DATASET;
  if (limit !== undefined) {
    photosDir = path.join(tmp, 'photos');
    for (const r of pickSubset(rows, limit, 20250601)) {
      mkdirSync(path.dirname(path.join(photosDir, r.path)), { recursive: true });
      copyFileSync(path.join(DATASET, r.path), path.join(photosDir, r.path));
    }
  }
  const cli = path.resolve('bin/face-album.cjs');
  if (!existsSync(cli)) throw new Error(`CLI not found at ${cli}; use --export <file> with a saved export`);
  const t0 = Date.now();
  execFileSync(process.execPath, [cli, 'scan', photosDir, '--data', dataDir], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  console.log(`scan: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const json = execFileSync(
    process.execPath,
    [cli, 'export', '--photos', photosDir, '--data', dataDir, '--embeddings'],
    { maxBuffer: 1 << 30 },
  ).toString();
  const parsed = JSON.parse(json) as ExportFile;
  const save = arg('save');
  if (save) {
    writeFileSync(save, json);
    console.log(`export saved to ${save}`);
  }
  rmSync(tmp, { recursive: true, force: true });
  return parsed;
}

function main(): void {
  const exportPath = arg('export');
  const limitArg = arg('limit');
  const data: ExportFile = exportPath
    ? (JSON.parse(readFileSync(exportPath, 'utf8')) as ExportFile)
    : runCli(limitArg ? Number(limitArg) : undefined);
  const truth = buildTruth(data.photos, readManifest(DATASET));
  const threshold = Number(arg('threshold') ?? DEFAULT_CLUSTER_OPTIONS.threshold);
  const joinThreshold = Number(arg('join-threshold') ?? DEFAULT_CLUSTER_OPTIONS.joinThreshold);
  const linkage = (arg('linkage') ?? DEFAULT_CLUSTER_OPTIONS.linkage) as Linkage;
  const attachThreshold = Number(
    arg('attach-threshold') ?? (arg('threshold') ? threshold : DEFAULT_CLUSTER_OPTIONS.attachThreshold),
  );

  const rows: [string, QualityScores][] = [];
  const exported = exportedAssignment(data.photos);
  if (exported.some((p) => p !== null)) rows.push(['face-album (CLI)', score(truth, exported)]);
  let t = performance.now();
  const ours = ourClusterer(truth, { threshold, attachThreshold, joinThreshold, linkage });
  const oursMs = performance.now() - t;
  rows.push(['clusterer incremental', score(truth, ours.incremental)]);
  rows.push(['clusterer recluster', score(truth, ours.reclustered)]);
  t = performance.now();
  rows.push([
    'immich defaults (cos 0.5)',
    score(truth, immichBaseline(truth, { maxDistance: 0.5, minFaces: 3 })),
  ]);
  const immichMs = performance.now() - t;
  // For vectors of norm n, cosine distance = euclid² / (2n²); face-api descriptors have n ≈ 1.4.
  const norms = truth.faces
    .filter((f) => f.embedding)
    .map((f) => Math.hypot(...f.embedding!))
    .sort((a, b) => a - b);
  const n = norms[norms.length >> 1] ?? 1;
  const cosEq = Math.round(((threshold * threshold) / (2 * n * n)) * 1000) / 1000;
  rows.push([
    `immich tuned (cos ${cosEq})`,
    score(truth, immichBaseline(truth, { maxDistance: cosEq, minFaces: 3 })),
  ]);

  const withEmb = truth.faces.filter((f) => f.embedding).length;
  console.log(
    `photos ${data.photos.length}, faces ${truth.faces.length} (${withEmb} with embeddings, ${truth.faces.filter((f) => f.clusterable).length} clusterable), ` +
      `core identities ${[...truth.photosPerIdentity.values()].filter((n) => n >= 3).length}; linkage ${linkage}, threshold ${threshold}, attachThreshold ${attachThreshold}, joinThreshold ${joinThreshold}; ` +
      `clusterer ${oursMs.toFixed(0)} ms, immich ${immichMs.toFixed(0)} ms`,
  );
  const keys = Object.keys(rows[0]![1]) as (keyof QualityScores)[];
  const w = Math.max(...rows.map(([n]) => n.length)) + 2;
  console.log(''.padEnd(22) + rows.map(([n]) => n.padStart(w)).join(''));
  for (const k of keys) console.log(k.padEnd(22) + rows.map(([, s]) => String(s[k]).padStart(w)).join(''));
}

main();
