import { mkdirSync } from 'node:fs';
import { type LocalAlbum, type LocalAlbumOptions, openLocalAlbum } from '../local-runtime';
import { type LocalServer, startLocalServer } from '../server/local-server';
import { ChangeQueue } from '../watch/change-queue';
import { ClusterScheduler } from '../watch/cluster-scheduler';
import { nestedDataDir, reconcile, walkPhotos } from '../watch/folder-walk';
import { type FolderWatcher, watchFolder } from '../watch/folder-watcher';
import { localFunctions } from './album-functions';
import { lockDataDir } from './data-dir-lock';

export interface DaemonOptions extends LocalAlbumOptions {
  port: number;
  host?: string;
  /** The timer trigger's period. */
  clusterIntervalMs?: number;
  /** Quiet time after a burst of changes before clustering. */
  quietMs?: number;
  stabilityMs?: number;
  usePolling?: boolean;
}

export interface RunningAlbum {
  url: string;
  album: LocalAlbum;
  /** Resolves when every change seen so far is indexed and the clustering it triggers has run. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** `face-album start`: the HTTP API, the folder watcher and the clustering timer around the same handlers as FC. */
export async function startAlbumDaemon(opts: DaemonOptions): Promise<RunningAlbum> {
  const unlock = lockDataDir(opts.dataDir, 'start');
  let album: LocalAlbum;
  try {
    album = openLocalAlbum(opts);
  } catch (err) {
    unlock();
    throw err;
  }
  // The album's own folder: without --photos, the one this data dir was built on.
  const photosDir = album.folder.root;
  mkdirSync(photosDir, { recursive: true });
  const { log } = album;
  album.backend.recoverAbandonedTasks();
  const fns = localFunctions({ runtime: album.factory, log, bucket: album.bucket });
  let server: LocalServer | null = null;
  let watcher: FolderWatcher | null = null;
  let scheduler: ClusterScheduler | null = null;
  try {
    server = await startLocalServer({ app: album.runtime.api, log, port: opts.port, host: opts.host });
    album.setBaseUrl(server.url);
    scheduler = new ClusterScheduler({
      run: async (name) => {
        const run = await fns.cluster(name);
        if (run.outcome !== 'succeeded') return;
        // What a person at the terminal wants after each pass: how big the album is now.
        const stats = await album.backend.stats();
        log.info('album.summary', {
          photos: stats.photoCount,
          faces: stats.faceCount,
          people: stats.personCount,
        });
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
    album.backend.queuedChanges = () => queue.size;
    const skipDir = nestedDataDir(photosDir, opts.dataDir);
    watcher = await watchFolder({
      folder: album.folder,
      skipDir,
      stabilityMs: opts.stabilityMs,
      usePolling: opts.usePolling,
      onChange: (change) => queue.push(change),
      keysUnder: (prefix) => album.photos.pathsUnder(prefix),
    });
    // Catch up on what changed while stopped. The watcher is already running, so nothing slips between
    // the walk and the watch; a change seen twice is indexed once (same stamp → unchanged).
    const catchUp = reconcile(await walkPhotos(album.folder, skipDir), album.photos.knownFiles());
    log.info('album.started', { url: server.url, photos: album.folder.root, catchUp: catchUp.length });
    for (const change of catchUp) queue.push(change);
    if (!catchUp.length) void scheduler.trigger('local-startup');

    const running = { server, watcher, scheduler };
    return {
      url: server.url,
      album,
      idle: async () => {
        await queue.idle();
        await running.scheduler.settle();
      },
      close: async () => {
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
    scheduler?.stop();
    await watcher?.close();
    await server?.close();
    await album.close();
    unlock();
    throw err;
  }
}
