import type { AlbumService } from '../album/album-service';
import { AlbumError, isRetryable } from '../album/errors';
import type { PhotoOutcome } from '../album/types';
import type { PhotoChange } from '../fc/oss-event';
import type { Logger } from '../log/logger';
import type { AlbumLibraries, LibraryClusteringRun } from './album-libraries';
import { libraryOfKey } from './library-key';

/**
 * What a backend provides for prefix mode: the album of one library (cloud: a dataset per library;
 * local: a store per subfolder) and which libraries changed since they were last clustered.
 */
export interface LibraryHost {
  /** The album of `library`; `create` (the indexer, on a library's first photo) makes it when missing, else null. */
  open(library: string, opts: { create: boolean }): Promise<AlbumService | null>;
  /** Every library that exists, sorted by name. */
  list(): Promise<string[]>;
  /**
   * Libraries with photo changes their last clustering has not seen, the longest-waiting first. A library
   * with nothing new is not listed, so it costs no clustering call; a library this tick does not reach stays
   * listed (and, having waited longest, comes first on the next tick).
   */
  changedLibraries(deadline: number, log: Logger): Promise<string[]>;
}

export interface PrefixLibrariesOptions {
  backend: 'imm' | 'local';
  host: LibraryHost;
  photoPrefix: string;
  /** Bound on libraries clustered per timer tick, so a flood of tiny libraries cannot run a tick long. */
  maxPerTick: number;
}

export function prefixLibraries({
  backend,
  host,
  photoPrefix,
  maxPerTick,
}: PrefixLibrariesOptions): AlbumLibraries {
  return {
    mode: 'prefix',
    backend,

    async applyPhotoChanges(changes: PhotoChange[], log: Logger): Promise<PhotoOutcome[]> {
      const byLibrary = new Map<string, PhotoChange[]>();
      for (const change of changes) {
        const of = libraryOfKey(change.key, photoPrefix);
        if (of.library === null) {
          log.info('photo.skipped', {
            bucket: change.bucket,
            key: change.key,
            ossEvent: change.eventName,
            reason: of.reason,
          });
          continue;
        }
        const mine = byLibrary.get(of.library);
        if (mine) mine.push(change);
        else byLibrary.set(of.library, [change]);
      }
      // Every library gets its changes even when another one fails; the failure is rethrown at the end so the
      // event is retried (indexing is idempotent: photos done the first time come back "unchanged").
      const outcomes: PhotoOutcome[] = [];
      let failure: unknown = null;
      for (const [library, mine] of byLibrary) {
        const libLog = log.child({ library });
        try {
          const album = await host.open(library, { create: true });
          if (!album) throw new AlbumError('internal', `library ${library} could not be opened`);
          outcomes.push(...(await album.applyPhotoChanges(mine, libLog)));
        } catch (err) {
          libLog.error('library.index_failed', { error: err });
          if (failure === null || (isRetryable(err) && !isRetryable(failure))) failure = err;
        }
      }
      if (failure !== null) throw failure;
      return outcomes;
    },

    async cluster(deadline: number, log: Logger) {
      const queue = await host.changedLibraries(deadline, log);
      const runs: LibraryClusteringRun[] = [];
      let reached = 0;
      for (const library of queue.slice(0, maxPerTick)) {
        if (Date.now() >= deadline) break;
        reached++;
        const album = await host.open(library, { create: false });
        if (!album) continue;
        runs.push({ library, run: await album.cluster(deadline, log.child({ library })) });
      }
      const remaining = queue.length - reached;
      log.info('clustering.libraries', {
        changed: queue.length,
        clustered: runs.length,
        remaining,
        failed: runs.filter((r) => r.run.outcome === 'failed').length,
      });
      return { runs, remaining };
    },

    open: (library) => host.open(library, { create: false }),
    list: () => host.list(),
  };
}
