import { mkdirSync } from 'node:fs';
import { localFunctions } from '../launcher/album-functions';
import { lockDataDir } from '../launcher/data-dir-lock';
import { type LocalAlbum, openLocalAlbum } from '../local-runtime';
import { nestedDataDir, reconcile, walkPhotos } from '../watch/folder-walk';
import { createScanProgress } from './scan-progress';

export interface ScanOptions {
  photosDir: string;
  dataDir: string;
  workers?: number;
  tty: boolean;
}

/** Routine per-photo lines are replaced by the bar on a terminal; refusals and errors still print. */
function isRoutine(line: string): boolean {
  try {
    const rec = JSON.parse(line) as { level?: string; event?: string; outcome?: string };
    return (
      rec.level === 'info' &&
      (rec.event === 'photo.index' || rec.event === 'photo.remove') &&
      rec.outcome !== 'rejected'
    );
  } catch {
    return false;
  }
}

/** `face-album scan <dir>`: index everything once through the indexer handler, cluster, exit. */
export async function scanCommand(opts: ScanOptions): Promise<{
  indexed: number;
  rejected: number;
  unchanged: number;
  removed: number;
  clustering: string | undefined;
}> {
  mkdirSync(opts.photosDir, { recursive: true });
  const unlock = lockDataDir(opts.dataDir, 'scan');
  let album: LocalAlbum;
  try {
    album = openLocalAlbum(opts);
  } catch (err) {
    unlock();
    throw err;
  }
  album.backend.recoverAbandonedTasks();
  const fns = localFunctions(album);
  const changes = reconcile(
    await walkPhotos(album.folder, nestedDataDir(opts.photosDir, opts.dataDir)),
    album.photos.knownFiles(),
  );
  const created = changes.filter((c) => c.kind === 'created');
  const removed = changes.filter((c) => c.kind === 'removed');
  const progress = createScanProgress(created.length, opts.tty);
  // The handlers log to stdout; on a terminal their lines go above the bar.
  const realWrite = process.stdout.write.bind(process.stdout);
  if (opts.tty) {
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      for (const line of text.split('\n').filter(Boolean)) if (!isRoutine(line)) progress.log(line);
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    }) as typeof process.stdout.write;
  }
  const totals = {
    indexed: 0,
    rejected: 0,
    unchanged: 0,
    removed: 0,
    clustering: undefined as string | undefined,
  };
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
      for (const o of res.outcomes ?? []) {
        if (o.outcome === 'done') totals.indexed++;
        else if (o.outcome === 'rejected') totals.rejected++;
        else if (o.outcome === 'unchanged') totals.unchanged++;
      }
      progress.advance(batch.length);
    }
    progress.stop();
    const run = await fns.cluster('scan');
    totals.clustering = run.outcome;
  } finally {
    process.stdout.write = realWrite;
    await album.close();
    unlock();
  }
  return totals;
}
