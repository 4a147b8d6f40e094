/**
 * Runs the real local album in-process over faces-dev photos the way a user's album grows: photos arrive
 * in batches, each batch copied into the photos folder and followed by a `scan` into the same data dir
 * (the first pass clusters fully, later ones incrementally); then a full `recluster`. Exports after the
 * batches and after the recluster are scored by bench/quality.ts.
 *
 * Analyses can be seeded from an earlier data dir's album.db (same engine): the indexer then finds every
 * photo's analysis by content hash and the engine never starts, so clustering variants cost seconds.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportAlbum } from '../src/local/cli/export-command';
import { scanCommand } from '../src/local/cli/scan-command';
import { createFaceEngine, type LocalFaceEngineOptions } from '../src/local/engine/create-face-engine';
import type { FaceClusterer } from '../src/local/local-backend';
import { openLocalAlbum } from '../src/local/local-runtime';
import { openDatabase } from '../src/local/store/database';
import { createLogger } from '../src/log/logger';
import { mulberry32 } from '../test/support/synthetic-faces';
import type { ManifestRow } from './dev-manifest';
import type { ExportFile } from './quality-score';

/** One file to place: `source` relative to the dataset, `target` relative to the album's photos folder. */
export interface Placement {
  source: string;
  target: string;
}

export interface AlbumRun {
  afterBatches: ExportFile;
  afterRecluster: ExportFile;
  /** Wall time of each batch's scan and of the recluster (ms). */
  scanMs: number[];
  reclusterMs: number;
}

/**
 * The held-out part of faces-dev, kept away from tuning: identities (folders) whose SHA-256 name hash is
 * 0 mod 5 (about a fifth). `_hard` stays in the dev part.
 */
export function partOf(row: ManifestRow): 'dev' | 'holdout' {
  const folder = row.path.split('/')[0]!;
  if (folder.startsWith('_')) return 'dev';
  return createHash('sha256').update(folder).digest().readUInt32BE(0) % 5 === 0 ? 'holdout' : 'dev';
}

/** Seeded shuffle into `n` arrival batches of near-equal size. */
export function arrivalBatches<T>(items: T[], n: number, seed: number): T[][] {
  const order = [...items];
  const rnd = mulberry32(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return Array.from({ length: n }, (_, b) =>
    order.slice(Math.floor((b * order.length) / n), Math.floor(((b + 1) * order.length) / n)),
  );
}

const ANALYSIS_COLUMNS = 'hash, width, height, taken_at, rejected_reason, rejected_message, created_at';
const FACE_COLUMNS =
  'hash, idx, box_left, box_top, box_width, box_height, confidence, age, gender, yaw, pitch, roll, quality, sharpness, embedding, attributes, second';

/** Copies the analyses of an earlier album.db into a fresh data dir. */
function seedAnalyses(dataDir: string, from: string): void {
  const db = openDatabase(path.join(dataDir, 'album.db'));
  try {
    db.prepare('ATTACH DATABASE ? AS cache').run(from);
    db.exec(`INSERT OR IGNORE INTO analyses (${ANALYSIS_COLUMNS}) SELECT ${ANALYSIS_COLUMNS} FROM cache.analyses;
      INSERT OR IGNORE INTO analysis_faces (${FACE_COLUMNS}) SELECT ${FACE_COLUMNS} FROM cache.analysis_faces;`);
    db.exec('DETACH DATABASE cache');
  } finally {
    db.close();
  }
}

/** Keeps this run's analyses for the next run (a whole copy of album.db; only its analyses are read). */
function saveAnalyses(dataDir: string, to: string): void {
  const db = openDatabase(path.join(dataDir, 'album.db'));
  try {
    mkdirSync(path.dirname(to), { recursive: true });
    db.prepare('VACUUM INTO ?').run(to);
  } finally {
    db.close();
  }
}

export async function runAlbum(opts: {
  dataset: string;
  batches: Placement[][];
  /** album.db to seed analyses from; written after the run when it does not exist yet. */
  analyses?: string;
  /** A fresh clusterer per process (each scan and the recluster are separate processes in real use). */
  clusterer?: () => FaceClusterer;
  /** Engine options for photos not in `analyses` (e.g. descriptorFlip). */
  engine?: Pick<LocalFaceEngineOptions, 'descriptorFlip'>;
  /** Growth that makes a scan's pass a full one (LocalBackendDeps.fullClusteringGrowth); Infinity = never. */
  fullClusteringGrowth?: number;
  /** Called with an export after each batch's scan (index from 0), to score the album as it grows. */
  afterBatch?: (snapshot: ExportFile, index: number) => void;
}): Promise<AlbumRun> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'face-album-quality-'));
  const photosDir = path.join(tmp, 'photos');
  const dataDir = path.join(tmp, 'data');
  const log = createLogger({ level: 'error' });
  const seeded = opts.analyses !== undefined && existsSync(opts.analyses);
  try {
    mkdirSync(dataDir, { recursive: true });
    if (seeded) seedAnalyses(dataDir, opts.analyses!);
    const open = () =>
      openLocalAlbum({
        photosDir,
        dataDir,
        log,
        clusterer: opts.clusterer?.(),
        fullClusteringGrowth: opts.fullClusteringGrowth,
      });
    const snapshot = async (): Promise<ExportFile> => {
      const album = open();
      try {
        return exportAlbum(album, { embeddings: true }) as ExportFile;
      } finally {
        await album.close();
      }
    };
    const scanMs: number[] = [];
    for (const batch of opts.batches) {
      for (const p of batch) {
        const target = path.join(photosDir, p.target);
        mkdirSync(path.dirname(target), { recursive: true });
        copyFileSync(path.join(opts.dataset, p.source), target);
      }
      const t0 = performance.now();
      await scanCommand({
        photosDir,
        dataDir,
        tty: false,
        logLevel: 'warn',
        write: (text) => process.stderr.write(text),
        clusterer: opts.clusterer?.(),
        fullClusteringGrowth: opts.fullClusteringGrowth,
        ...(opts.engine ? { createEngine: (o) => createFaceEngine({ ...o, ...opts.engine }) } : {}),
      });
      scanMs.push(performance.now() - t0);
      if (opts.afterBatch) opts.afterBatch(await snapshot(), scanMs.length - 1);
    }
    const afterBatches = await snapshot();
    const t0 = performance.now();
    const album = open();
    try {
      const run = await album.backend.runClustering({ deadline: Date.now() + 3600_000, log, full: true });
      if (run.outcome === 'failed') throw new Error(`recluster failed: ${run.reason}`);
    } finally {
      await album.close();
    }
    const reclusterMs = performance.now() - t0;
    const afterRecluster = await snapshot();
    if (opts.analyses !== undefined && !seeded) saveAnalyses(dataDir, opts.analyses);
    return { afterBatches, afterRecluster, scanMs, reclusterMs };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
