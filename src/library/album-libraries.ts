import type { AlbumService } from '../album/album-service';
import type { ClusteringRun, PhotoOutcome } from '../album/types';
import type { PhotoChange } from '../fc/oss-event';
import type { Logger } from '../log/logger';

/** `single`: the deployment is one album (the default). `prefix`: `PHOTO_PREFIX<library>/…` per library. */
export type LibraryMode = 'single' | 'prefix';

/** What one clustering tick did to one library. */
export interface LibraryClusteringRun {
  /** null in single mode. */
  library: string | null;
  run: ClusteringRun;
}

/** One timer tick: every library it clustered, and how many changed libraries it left for the next tick. */
export interface ClusteringTick {
  runs: LibraryClusteringRun[];
  remaining: number;
}

/**
 * The deployment's albums as the handlers see them: the indexer hands it photo changes, the clusterer
 * its timer ticks, the API asks it for one library's album. Single mode wraps one AlbumService and
 * behaves exactly as that service; prefix mode (prefix-libraries.ts) routes by library.
 */
export interface AlbumLibraries {
  readonly mode: LibraryMode;
  readonly backend: 'imm' | 'local';
  /** Indexer: each change goes to its library's album. Throws on transient failures (after trying every library). */
  applyPhotoChanges(changes: PhotoChange[], log: Logger): Promise<PhotoOutcome[]>;
  /** Clusterer: clusters what changed, within `deadline` (epoch ms). */
  cluster(deadline: number, log: Logger): Promise<ClusteringTick>;
  /** API: one library's album, or null when there is no such library (single mode: the album, for any name). */
  open(library: string): Promise<AlbumService | null>;
  /** The libraries that exist, sorted by name (single mode: none). */
  list(): Promise<string[]>;
}

/** Single mode: today's behaviour, one album. */
export function singleLibrary(service: AlbumService): AlbumLibraries {
  return {
    mode: 'single',
    backend: service.backend.kind,
    applyPhotoChanges: (changes, log) => service.applyPhotoChanges(changes, log),
    cluster: async (deadline, log) => ({
      runs: [{ library: null, run: await service.cluster(deadline, log) }],
      remaining: 0,
    }),
    open: async () => service,
    list: async () => [],
  };
}
