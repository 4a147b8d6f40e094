import { mkdirSync } from 'node:fs';
import type { Logger } from '../../log/logger';
import type { AlbumRuntime, RuntimeFactory } from '../../runtime/album-runtime';
import type { ClustererResult } from '../../runtime/fc-handlers';
import type { PhotoFolder } from '../folder/photo-folder';
import { type LocalLibraries, type LocalLibrariesOptions, openLocalLibraries } from '../local-libraries';
import { type LocalAlbum, type LocalAlbumOptions, openLocalAlbum } from '../local-runtime';
import { type LocalServer, startLocalServer } from '../server/local-server';
import type { FileStamp } from '../store/photo-store';
import { ChangeQueue } from '../watch/change-queue';
import { ClusterScheduler } from '../watch/cluster-scheduler';
import { nestedDataDir, reconcile, walkPhotos } from '../watch/folder-walk';
import { type FolderWatcher, watchFolder } from '../watch/folder-watcher';
import { withoutStrays } from '../watch/library-strays';
import type { FolderChange } from '../watch/oss-event-builder';
import { localFunctions } from './album-functions';
import { logAlbumSummary } from './album-summary';
import { lockDataDir, openLocked } from './data-dir-lock';
import { IndexingProgress } from './indexing-progress';

export interface DaemonOptions extends LocalAlbumOptions {
  port: number;
  host?: string;
  /** The timer trigger's period. */
  clusterIntervalMs?: number;
  /** Quiet time after a burst of changes before clustering. */
  quietMs?: number;
  stabilityMs?: number;
  usePolling?: boolean;
  /** How often `start` prints its indexing progress while photos wait (default 5 s). */
  progressIntervalMs?: number;
}

export interface RunningAlbum {
  url: string;
  album: LocalAlbum;
  /** Resolves when every change seen so far is indexed and the clustering it triggers has run. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** `start --libraries`: the same daemon over one album per subfolder. */
export interface RunningLibraries {
  url: string;
  libraries: LocalLibraries;
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** What the daemon runs around: one album, or the libraries of a folder. */
interface DaemonTarget {
  runtime: AlbumRuntime;
  factory: RuntimeFactory;
  folder: PhotoFolder;
  bucket: string;
  log: Logger;
  setBaseUrl(url: string): void;
  knownFiles(): Map<string, FileStamp>;
  keysUnder(prefix: string): string[];
  /** Photos the indexer finished in this process, every album together (progress line). */
  photosHandled(): number;
  /** The change queue's counts of changes not indexed yet and being indexed, under a key prefix. */
  setIndexing(count: (prefix: string) => { queued: number; running: number }): void;
  /** What a person at the terminal wants after each pass: how big the album (each library clustered) is now. */
  summarize(run: ClustererResult): Promise<void>;
  /** The catch-up walk's changes worth an indexer call (libraries: not those it would only skip). */
  catchUp(changes: FolderChange[]): FolderChange[];
  close(): Promise<void>;
}

/** `face-album start`: the HTTP API, the folder watcher and the clustering timer around the same handlers as FC. */
export async function startAlbumDaemon(opts: DaemonOptions): Promise<RunningAlbum> {
  const unlock = lockDataDir(opts.dataDir, 'start');
  // Clustering off the main thread: the API keeps answering during a pass.
  const album = await openLocked(unlock, () =>
    openLocalAlbum({ ...opts, clusterInWorker: opts.clusterInWorker ?? true }),
  );
  album.backend.recoverAbandonedTasks();
  await album.backend.checkVideoSupport(album.log);
  const running = await runDaemon(
    {
      ...album,
      knownFiles: () => album.photos.knownFiles(),
      keysUnder: (prefix) => album.photos.pathsUnder(prefix),
      setIndexing: (count) => {
        album.backend.indexing = () => count('');
      },
      photosHandled: () => album.backend.photosHandled,
      summarize: async (run) => {
        if (run.outcome === 'succeeded') await logAlbumSummary(album.log, album.backend);
      },
      catchUp: (changes) => changes,
    },
    opts,
    unlock,
  );
  return { ...running, album };
}

/** `face-album start --libraries`: each subfolder of the photos folder is a library, clustered apart. */
export async function startLibrariesDaemon(
  opts: Omit<DaemonOptions, 'clusterer'> & Pick<LocalLibrariesOptions, 'clusterer' | 'maxPerTick'>,
): Promise<RunningLibraries> {
  const unlock = lockDataDir(opts.dataDir, 'start');
  const libraries = await openLocked(unlock, () =>
    openLocalLibraries({ ...opts, clusterInWorker: opts.clusterInWorker ?? true }),
  );
  libraries.recoverAbandonedTasks();
  const { log } = libraries;
  log.info('libraries.opened', { libraries: libraries.names() });
  const running = await runDaemon(
    {
      ...libraries,
      photosHandled: () =>
        libraries.names().reduce((n, name) => n + (libraries.library(name)?.backend.photosHandled ?? 0), 0),
      summarize: async (run) => {
        for (const r of run.libraries ?? []) {
          const lib = r.outcome === 'succeeded' ? libraries.library(r.library) : null;
          if (lib) await logAlbumSummary(log, lib.backend, r.library);
        }
      },
      catchUp: (changes) => withoutStrays(changes, log),
    },
    opts,
    unlock,
  );
  return { ...running, libraries };
}

async function runDaemon(
  album: DaemonTarget,
  opts: Omit<DaemonOptions, 'clusterer'>,
  unlock: () => void,
): Promise<Omit<RunningAlbum, 'album'>> {
  // The album's own folder: without --photos, the one this data dir was built on.
  const photosDir = album.folder.root;
  mkdirSync(photosDir, { recursive: true });
  const { log } = album;
  const fns = localFunctions({ runtime: album.factory, log, bucket: album.bucket });
  let server: LocalServer | null = null;
  let watcher: FolderWatcher | null = null;
  let scheduler: ClusterScheduler | null = null;
  let progressTimer: NodeJS.Timeout | null = null;
  try {
    server = await startLocalServer({ app: album.runtime.api, log, port: opts.port, host: opts.host });
    album.setBaseUrl(server.url);
    scheduler = new ClusterScheduler({
      run: async (name) => {
        const tick = await fns.cluster(name);
        await album.summarize(tick);
        // Libraries a tick did not reach (it is bounded) go next, not at the next timer tick.
        if (tick.remaining) void scheduler?.trigger('local-continue');
      },
      log,
      intervalMs: opts.clusterIntervalMs ?? 5 * 60_000,
      quietMs: opts.quietMs ?? 10_000,
    });
    const clusterAfterQuiet = scheduler;
    const queue = new ChangeQueue({
      log,
      deliver: async (batch) => {
        await fns.index(batch);
      },
      onDelivered: () => clusterAfterQuiet.activity(),
    });
    album.setIndexing((prefix) => queue.countsUnder(prefix));
    // One progress line every few seconds on the terminal while photos wait to be indexed.
    const progress = new IndexingProgress({
      indexing: () => queue.countsUnder(''),
      handled: () => album.photosHandled(),
      log,
    });
    progressTimer = setInterval(() => progress.tick(), opts.progressIntervalMs ?? 5000);
    progressTimer.unref();
    const skipDir = nestedDataDir(photosDir, opts.dataDir);
    watcher = await watchFolder({
      folder: album.folder,
      skipDir,
      stabilityMs: opts.stabilityMs,
      usePolling: opts.usePolling,
      onChange: (change) => queue.push(change),
      keysUnder: (prefix) => album.keysUnder(prefix),
    });
    // Catch up on what changed while stopped. The watcher is already running, so nothing slips between
    // the walk and the watch; a change seen twice is indexed once (same stamp → unchanged).
    const catchUp = album.catchUp(
      reconcile(await walkPhotos(album.folder, skipDir, log), album.knownFiles()),
    );
    log.info('album.started', { url: server.url, photos: album.folder.root, catchUp: catchUp.length });
    for (const change of catchUp) queue.push(change);
    if (!catchUp.length) void scheduler.trigger('local-startup');

    const running = { server, watcher, scheduler };
    return {
      url: server.url,
      idle: async () => {
        await queue.idle();
        await running.scheduler.settle();
      },
      close: async () => {
        if (progressTimer) clearInterval(progressTimer);
        running.scheduler.stop();
        await running.watcher.close();
        await queue.idle();
        await running.scheduler.settle();
        await running.server.close();
        await album.close();
        unlock();
        log.info('album.stopped', {});
      },
    };
  } catch (err) {
    if (progressTimer) clearInterval(progressTimer);
    scheduler?.stop();
    await watcher?.close();
    await server?.close();
    await album.close();
    unlock();
    throw err;
  }
}
