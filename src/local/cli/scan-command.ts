import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { humanFormat } from '../../log/human-format';
import { createLogger, type LogFormat, type Logger, type LogLevel } from '../../log/logger';
import type { RuntimeFactory } from '../../runtime/album-runtime';
import type { PhotoFolder } from '../folder/photo-folder';
import { localFunctions } from '../launcher/album-functions';
import { logAlbumSummary } from '../launcher/album-summary';
import { lockDataDir, openLocked } from '../launcher/data-dir-lock';
import { openLocalLibraries } from '../local-libraries';
import { type LocalAlbumOptions, openLocalAlbum } from '../local-runtime';
import type { FileStamp } from '../store/photo-store';
import { nestedDataDir, reconcile, walkPhotos } from '../watch/folder-walk';
import { withoutStrays } from '../watch/library-strays';
import type { FolderChange } from '../watch/oss-event-builder';
import { createScanProgress } from './scan-progress';

/** clusterer, createEngine and fullClusteringGrowth: for benchmarks that run scans in-process (defaults otherwise). */
export interface ScanOptions
  extends Pick<LocalAlbumOptions, 'clusterer' | 'createEngine' | 'fullClusteringGrowth'> {
  photosDir: string;
  /** Each subfolder is a library (`scan --libraries`), as with `start --libraries`. */
  libraries?: boolean;
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
  const album = await openLocked(unlock, () =>
    opts.libraries ? librariesTarget(opts, log) : albumTarget(opts, log),
  );
  const fns = localFunctions({ runtime: album.factory, log, bucket: album.bucket });
  const changes = album.catchUp(
    reconcile(
      await walkPhotos(album.folder, nestedDataDir(opts.photosDir, opts.dataDir), log),
      album.knownFiles(),
    ),
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
    const batchSize = Math.max(32, (opts.workers ?? album.concurrency) * 8);
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
    // Every changed library: a timer tick clusters a bounded number, so tick until none is left.
    let run = await fns.cluster('scan');
    while (run.ok && run.remaining) run = await fns.cluster('scan');
    totals.clustering = run.outcome;
    await album.summarize();
  } finally {
    await album.close();
    unlock();
  }
  return totals;
}

/** What a scan runs over: one album, or the libraries of a folder. */
interface ScanTarget {
  factory: RuntimeFactory;
  folder: PhotoFolder;
  bucket: string;
  concurrency: number;
  knownFiles(): Map<string, FileStamp>;
  catchUp(changes: FolderChange[]): FolderChange[];
  summarize(): Promise<void>;
  close(): Promise<void>;
}

function albumTarget(opts: ScanOptions, log: Logger): ScanTarget {
  const album = openLocalAlbum({ ...opts, log });
  album.backend.recoverAbandonedTasks();
  return {
    ...album,
    concurrency: album.backend.concurrency,
    knownFiles: () => album.photos.knownFiles(),
    catchUp: (changes) => changes,
    summarize: () => logAlbumSummary(log, album.backend),
  };
}

function librariesTarget(opts: ScanOptions, log: Logger): ScanTarget {
  const { clusterer: _single, ...rest } = opts;
  const libraries = openLocalLibraries({ ...rest, log });
  libraries.recoverAbandonedTasks();
  return {
    ...libraries,
    concurrency: opts.workers ?? availableParallelism(),
    catchUp: (changes) => withoutStrays(changes, log),
    summarize: async () => {
      for (const name of libraries.names())
        await logAlbumSummary(log, libraries.library(name)!.backend, name);
    },
  };
}
