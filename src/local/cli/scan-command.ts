import { mkdirSync } from 'node:fs';
import { humanFormat } from '../../log/human-format';
import { createLogger, type LogFormat, type LogLevel } from '../../log/logger';
import { localFunctions } from '../launcher/album-functions';
import { lockDataDir } from '../launcher/data-dir-lock';
import { type LocalAlbum, type LocalAlbumOptions, openLocalAlbum } from '../local-runtime';
import { nestedDataDir, reconcile, walkPhotos } from '../watch/folder-walk';
import { createScanProgress } from './scan-progress';

/** clusterer, createEngine and fullClusteringGrowth: for benchmarks that run scans in-process (defaults otherwise). */
export interface ScanOptions
  extends Pick<LocalAlbumOptions, 'clusterer' | 'createEngine' | 'fullClusteringGrowth'> {
  photosDir: string;
  dataDir: string;
  workers?: number;
  /** A terminal: a progress bar on stderr, log lines printed above it. */
  tty: boolean;
  /** How log records are rendered (JSON lines by default, or short human lines). */
  logFormat?: LogFormat;
  logLevel?: LogLevel;
  /** Where log lines and plain progress lines go (stdout by default). */
  write?: (text: string) => void;
}

export interface ScanTotals {
  indexed: number;
  rejected: number;
  unchanged: number;
  removed: number;
  clustering: string | undefined;
}

/** `face-album scan <dir>`: index everything once through the indexer handler, cluster, exit. */
export async function scanCommand(opts: ScanOptions): Promise<ScanTotals> {
  const write = opts.write ?? ((text: string) => process.stdout.write(text));
  // Log lines go to the output until the progress bar exists, then above the bar.
  let print = (line: string) => write(`${line}\n`);
  // Under a progress bar, per-batch summaries would only repeat what the bar shows.
  const format: LogFormat | undefined =
    opts.tty && opts.logFormat === humanFormat
      ? (r) => (r.event === 'indexer.metrics' ? null : humanFormat(r))
      : opts.logFormat;
  const log = createLogger({ level: opts.logLevel, format, write: (line) => print(line) });
  mkdirSync(opts.photosDir, { recursive: true });
  const unlock = lockDataDir(opts.dataDir, 'scan');
  let album: LocalAlbum;
  try {
    album = openLocalAlbum({ ...opts, log });
  } catch (err) {
    unlock();
    throw err;
  }
  album.backend.recoverAbandonedTasks();
  const fns = localFunctions({ runtime: album.factory, log, bucket: album.bucket });
  const changes = reconcile(
    await walkPhotos(album.folder, nestedDataDir(opts.photosDir, opts.dataDir)),
    album.photos.knownFiles(),
  );
  const created = changes.filter((c) => c.kind === 'created');
  const removed = changes.filter((c) => c.kind === 'removed');
  const progress = createScanProgress(created.length, opts.tty, write);
  if (opts.tty) print = (line) => progress.log(line);
  const totals: ScanTotals = { indexed: 0, rejected: 0, unchanged: 0, removed: 0, clustering: undefined };
  try {
    if (removed.length) {
      const res = await fns.index(removed);
      totals.removed = res.outcomes?.filter((o) => o.outcome === 'done').length ?? 0;
    }
    // Batches big enough to keep every engine worker busy, small enough for a lively progress bar.
    const batchSize = Math.max(32, (opts.workers ?? album.backend.concurrency) * 8);
    for (let i = 0; i < created.length; i += batchSize) {
      const batch = created.slice(i, i + batchSize);
      const res = await fns.index(batch);
      if (!res.ok) throw new Error(res.error ?? 'indexer failed');
      // Progress comes from the indexer's own outcomes, batch by batch.
      for (const o of res.outcomes ?? []) {
        if (o.outcome === 'done') totals.indexed++;
        else if (o.outcome === 'rejected') totals.rejected++;
        else if (o.outcome === 'unchanged') totals.unchanged++;
      }
      progress.advance(batch.length);
    }
    progress.stop();
    print = (line) => write(`${line}\n`);
    const run = await fns.cluster('scan');
    totals.clustering = run.outcome;
    const stats = await album.backend.stats();
    log.info('album.summary', {
      photos: stats.photoCount,
      faces: stats.faceCount,
      people: stats.personCount,
    });
  } finally {
    await album.close();
    unlock();
  }
  return totals;
}
