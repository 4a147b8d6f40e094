import { AlbumError } from '../album/errors';
import { classifyPhotoKey, FRAME_PREFIX, ossUri, parseOssUri } from '../album/photo-filter';
import type { PhotoOutcome } from '../album/types';
import { frameOf } from '../imm/imm-video-records';
import type { Logger } from '../log/logger';
import type { BucketLister } from './bucket-listing';
import { type BackfillCounts, type Checkpoint, type CheckpointFile, zeroCounts } from './checkpoint';
import type { DatasetLister } from './dataset-listing';

/** The two album calls backfill makes (the IMM backend: BatchIndexFileMeta / BatchDeleteFileMeta). */
export interface PhotoSink {
  indexPhotos(uris: string[], log: Logger): Promise<PhotoOutcome[]>;
  removePhotos(uris: string[], log: Logger): Promise<PhotoOutcome[]>;
}

export interface BackfillDeps {
  bucket: BucketLister;
  dataset: DatasetLister;
  sink: PhotoSink;
  checkpoint: CheckpointFile;
  log: Logger;
}

export interface BackfillOptions {
  bucket: string;
  prefix: string;
  project: string;
  dataset: string;
  /** Photos per BatchIndexFileMeta call (≤ 100). */
  batchSize: number;
  /** Batches in flight at once (the pacer in the IMM client bounds the call rate). */
  concurrency: number;
  /** Keys per ListObjectsV2 page; the checkpoint is saved after each page. */
  pageSize: number;
  dryRun: boolean;
  reconcile: boolean;
  /** Ignore an existing checkpoint. */
  restart: boolean;
  /** How long a batch keeps being retried through an IMM outage before the run stops (resumable). */
  outageWaitMs: number;
  /** Set when the user interrupts (Ctrl-C): the run stops at the next page boundary. */
  signal?: AbortSignal;
  /**
   * LIBRARY_MODE=prefix over every library: why a photo key belongs to no library (directly under the
   * prefix, an invalid folder name), or null. Such keys are skipped with a `backfill.skipped` line.
   */
  refuse?: (key: string) => string | null;
}

export interface BackfillEvents {
  phase(name: 'counting' | 'indexing' | 'pruning', total: number | null, counts: BackfillCounts): void;
  progress(counts: BackfillCounts): void;
  /** Dry run: what would be done. */
  plan(lines: string[]): void;
}

export interface BackfillResult {
  counts: BackfillCounts;
  outcome: 'done' | 'interrupted' | 'dry-run';
  resumed: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `work` over `items` with at most `limit` in flight. */
async function inPool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(runners);
}

/** Whether a listed key is a photo to index; one refused by the library rule is logged when `log` is given. */
function isPhoto(key: string, opts: BackfillOptions, log?: Logger): boolean {
  if (!classifyPhotoKey(key, opts.prefix).accept) return false;
  const reason = opts.refuse?.(key) ?? null;
  if (reason === null) return true;
  log?.warn('backfill.skipped', { key, reason });
  return false;
}

const transient = (err: unknown) =>
  err instanceof AlbumError && (err.code === 'too_many_requests' || err.code === 'upstream_error');

/**
 * Backfill (and reconcile) one bucket prefix into the dataset.
 *
 * 1. Count: list the prefix once, classifying keys exactly as the indexer does (progress total).
 * 2. Index: list again page by page; each page's photos go to BatchIndexFileMeta in batches; the
 *    checkpoint (the next page's continuation token and the counts) is saved after each page, so
 *    a killed run redoes at most one page — harmless, indexing a URI again is a no-op.
 * 3. Reconcile only: list the prefix into a set, page through the dataset's files under the
 *    prefix (SimpleQuery) and remove those whose object is gone. A candidate is re-checked with
 *    HeadObject first, so a photo uploaded after the listing is never removed.
 */
export async function runBackfill(
  deps: BackfillDeps,
  opts: BackfillOptions,
  events: BackfillEvents,
): Promise<BackfillResult> {
  const scope = {
    bucket: opts.bucket,
    prefix: opts.prefix,
    project: opts.project,
    dataset: opts.dataset,
    reconcile: opts.reconcile,
  };
  const saved = opts.restart || opts.dryRun ? null : deps.checkpoint.load();
  const usable = saved && JSON.stringify(saved.scope) === JSON.stringify(scope) ? saved : null;
  if (saved && !usable)
    deps.log.warn('backfill.checkpoint_ignored', {
      file: deps.checkpoint.file,
      reason: 'it belongs to another bucket, prefix, dataset or mode',
    });
  const now = new Date().toISOString();
  const state: Checkpoint = usable ?? {
    version: 1,
    scope,
    phase: 'index',
    listToken: null,
    prune: null,
    total: null,
    counts: zeroCounts(),
    startedAt: now,
    updatedAt: now,
  };
  const counts = state.counts;

  if (state.total === null) {
    events.phase('counting', null, counts);
    const tally = zeroCounts();
    for (let token: string | null = null, first = true; first || token; first = false) {
      const page = await deps.bucket.listPage(opts.prefix, token, opts.pageSize);
      for (const key of page.keys) {
        tally.listed++;
        if (isPhoto(key, opts, opts.dryRun ? deps.log : undefined)) tally.photos++;
        else tally.skipped++;
      }
      token = page.nextToken;
    }
    state.total = tally.photos;
    if (!opts.dryRun) deps.checkpoint.save(state);
    if (opts.dryRun) {
      const calls = Math.ceil(tally.photos / opts.batchSize);
      events.plan([
        `would index ${tally.photos} photos of ${tally.listed} objects under oss://${opts.bucket}/${opts.prefix} into ${opts.project}/${opts.dataset}`,
        `skipping ${tally.skipped} objects that are not photos`,
        `in ${calls} BatchIndexFileMeta calls of up to ${opts.batchSize} photos`,
      ]);
    }
  }

  if (state.phase === 'index' && !opts.dryRun) {
    events.phase('indexing', state.total, counts);
    for (let first = true; first || state.listToken; first = false) {
      if (opts.signal?.aborted) return { counts, outcome: 'interrupted', resumed: !!usable };
      const page = await deps.bucket.listPage(opts.prefix, state.listToken, opts.pageSize);
      const uris: string[] = [];
      for (const key of page.keys) {
        counts.listed++;
        if (isPhoto(key, opts, deps.log)) uris.push(ossUri(opts.bucket, key));
        else counts.skipped++;
      }
      counts.photos += uris.length;
      const batches: string[][] = [];
      for (let i = 0; i < uris.length; i += opts.batchSize) batches.push(uris.slice(i, i + opts.batchSize));
      await inPool(batches, opts.concurrency, async (batch) => {
        const outcomes = await throughOutage(() => deps.sink.indexPhotos(batch, deps.log), opts, deps.log);
        for (const o of outcomes) {
          if (o.outcome === 'rejected') {
            counts.failed++;
            deps.log.warn('backfill.rejected', { uri: o.uri, reason: o.reason });
          } else counts.indexed++;
        }
        events.progress(counts);
      });
      state.listToken = page.nextToken;
      if (!state.listToken && opts.reconcile) state.phase = 'prune';
      deps.checkpoint.save(state);
      if (!state.listToken) break;
    }
  }

  if (opts.reconcile && (state.phase === 'prune' || opts.dryRun)) {
    events.phase('pruning', null, counts);
    const gone = await prune(deps, opts, state, events);
    if (opts.dryRun)
      events.plan([
        `would remove ${gone.length} dataset entries whose object is gone${gone.length ? `, e.g. ${gone.slice(0, 5).join(', ')}` : ''}`,
      ]);
  }
  if (opts.dryRun) return { counts, outcome: 'dry-run', resumed: false };
  if (opts.signal?.aborted && state.phase === 'prune' && (!state.prune?.scanned || state.prune.gone.length))
    return { counts, outcome: 'interrupted', resumed: !!usable };
  deps.checkpoint.remove();
  return { counts, outcome: 'done', resumed: !!usable };
}

async function prune(
  deps: BackfillDeps,
  opts: BackfillOptions,
  state: Checkpoint,
  events: BackfillEvents,
): Promise<string[]> {
  const uriPrefix = ossUri(opts.bucket, opts.prefix);
  // The bucket's keys now, held in memory (about 100 bytes a key: 1M photos ≈ 100 MB), so only
  // the few dataset entries missing from it cost a HeadObject.
  const present = new Set<string>();
  for (let token: string | null = null, first = true; first || token; first = false) {
    const page = await deps.bucket.listPage(opts.prefix, token, opts.pageSize);
    for (const key of page.keys) present.add(key);
    token = page.nextToken;
  }
  // 1. Find what is gone without touching the dataset: removing entries while paging through it
  //    could shift the pages (a NextToken may be an offset) and skip some.
  state.prune ??= { token: null, scanned: false, gone: [] };
  const prune = state.prune;
  while (!prune.scanned) {
    if (opts.signal?.aborted) return prune.gone;
    const page = await throughOutage(() => deps.dataset.listPage(uriPrefix, prune.token), opts, deps.log);
    for (const uri of page.uris) {
      const parsed = parseOssUri(uri);
      if (parsed?.bucket === opts.bucket && !present.has(parsed.key)) prune.gone.push(uri);
    }
    prune.token = page.nextToken;
    prune.scanned = !page.nextToken;
    if (!opts.dryRun) deps.checkpoint.save(state);
  }
  // 1b. Videos have no entry of their own: one is gone when its frames' video is no longer listed. Its
  //     removal (below) takes its frames' entries and objects away (src/imm/imm-video-indexer.ts).
  prune.frames ??= { token: null, scanned: false };
  const frames = prune.frames;
  const goneVideos = new Set(prune.gone);
  while (!frames.scanned) {
    if (opts.signal?.aborted) return prune.gone;
    const page = await throughOutage(
      () => deps.dataset.listPage(ossUri(opts.bucket, `${FRAME_PREFIX}${opts.prefix}`), frames.token),
      opts,
      deps.log,
    );
    for (const uri of page.uris) {
      const video = frameOf(uri)?.videoUri;
      const at = video ? parseOssUri(video) : null;
      if (video && at?.bucket === opts.bucket && !present.has(at.key) && !goneVideos.has(video)) {
        goneVideos.add(video);
        prune.gone.push(video);
      }
    }
    frames.token = page.nextToken;
    frames.scanned = !page.nextToken;
    if (!opts.dryRun) deps.checkpoint.save(state);
  }
  // 2. Remove them, each re-checked with HeadObject first: one uploaded since the listing stays.
  const removed: string[] = [];
  while (prune.gone.length) {
    if (opts.signal?.aborted) return removed;
    const batch = prune.gone.slice(0, 100);
    const confirmed: string[] = [];
    for (const uri of batch) if (!(await deps.bucket.exists(parseOssUri(uri)!.key))) confirmed.push(uri);
    if (!opts.dryRun && confirmed.length) {
      await throughOutage(() => deps.sink.removePhotos(confirmed, deps.log), opts, deps.log);
      state.counts.removed += confirmed.length;
      for (const uri of confirmed)
        deps.log.info('backfill.removed', { uri, reason: 'object no longer in the bucket' });
      events.progress(state.counts);
    }
    removed.push(...confirmed);
    prune.gone = prune.gone.slice(batch.length);
    if (!opts.dryRun) deps.checkpoint.save(state);
  }
  return removed;
}

/**
 * The IMM client already retries a call for up to its budget; an outage longer than that would
 * end the run. Keep retrying the same batch with a growing pause (up to 60 s) for `outageWaitMs`,
 * then give up: the checkpoint lets the next run continue where this one stopped.
 */
async function throughOutage<T>(call: () => Promise<T>, opts: BackfillOptions, log: Logger): Promise<T> {
  const until = Date.now() + opts.outageWaitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!transient(err) || Date.now() >= until) throw err;
      const pause = Math.min(60_000, 250 * 2 ** attempt, Math.max(0, until - Date.now()));
      log.warn('backfill.waiting', { attempt, pauseMs: pause, error: err });
      await sleep(pause);
    }
  }
}
