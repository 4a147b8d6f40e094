import { AlbumService } from '../album/album-service';
import type { MediaLinks } from '../album/backend';
import { ossUri } from '../album/photo-filter';
import type { AlbumConfig } from '../config/album-config';
import type { ImmConfig, LibraryTickConfig } from '../config/imm-config';
import { libraryPhotoPrefix } from '../library/library-key';
import { libraryDataset, libraryNameProblem } from '../library/library-name';
import type { LibraryHost } from '../library/prefix-libraries';
import type { Logger } from '../log/logger';
import { ImmBackend, type ImmBackendOptions } from './imm-backend';
import type { ImmClient } from './imm-client';
import { type ClusteringState, clusteringState } from './imm-clustering';
import { isNotFound, toAlbumError } from './imm-errors-map';
import type { ImmResponse } from './imm-wire';

/**
 * What a warm instance remembers about libraries between invocations: the datasets it has seen (so the
 * API opens a library with no IMM call), the ones found missing a moment ago (so a burst of requests for
 * an unknown library costs one lookup, while a library created since shows up within a minute), and where
 * the clusterer's scan stopped.
 */
export interface LibraryCache {
  known: Set<string>;
  missing: Map<string, number>;
  scanCursor: string | null;
}

export const newLibraryCache = (): LibraryCache => ({
  known: new Set(),
  missing: new Map(),
  scanCursor: null,
});

/** A library found missing is looked up again after this long. */
const MISSING_TTL_MS = 60_000;
/** Bound on remembered misses (names come from requests; the oldest are dropped first). */
const MISSING_MAX = 1_000;
/** ListDatasets' largest page (ListDatasets reference, MaxResults 0–200). */
const LIST_PAGE = 200;
/** Libraries checked at once by the clusterer: IMM allows 100 calls/s per project, shared with the others. */
const SCAN_CONCURRENCY = 4;

export interface ImmLibrariesOptions {
  /** Bound to this invocation's deadline. */
  client: ImmClient;
  /** `dataset` is IMM_DATASET, the base of every library's dataset name. */
  config: ImmConfig;
  album: AlbumConfig;
  media: MediaLinks;
  /** The album's bucket (API, backfill): a library may detect faces only in its own photos there. */
  bucket: string | null;
  tick: LibraryTickConfig;
  cache: LibraryCache;
  /** The indexer's video analysis, given to each library's backend. */
  video?: ImmBackendOptions['video'];
}

/**
 * Prefix mode on IMM: library `x` is the dataset `<IMM_DATASET>-x` (made with Official:FaceManagement on
 * its first photo, by the indexer's first call that finds it missing) and its photos are `PHOTO_PREFIX x/…`.
 */
export class ImmLibraryHost implements LibraryHost {
  constructor(private readonly opts: ImmLibrariesOptions) {}

  /** The album of one library. Costs no IMM call for a library this instance has seen. */
  async open(library: string, { create }: { create: boolean }): Promise<AlbumService | null> {
    if (libraryNameProblem(library) !== null) return null;
    const { cache } = this.opts;
    // The indexer's album creates the dataset itself when the first call finds it missing (ImmBackend).
    if (create || cache.known.has(library)) return this.album(library);
    const missingAt = cache.missing.get(library);
    if (missingAt !== undefined && Date.now() - missingAt < MISSING_TTL_MS) return null;
    const { project, dataset } = this.opts.config;
    try {
      await this.opts.client.call('GetDataset', {
        ProjectName: project,
        DatasetName: libraryDataset(dataset, library),
      });
    } catch (err) {
      if (!isNotFound(err)) throw toAlbumError(err);
      cache.missing.delete(library);
      cache.missing.set(library, Date.now());
      if (cache.missing.size > MISSING_MAX) cache.missing.delete(cache.missing.keys().next().value!);
      return null;
    }
    cache.missing.delete(library);
    cache.known.add(library);
    return this.album(library);
  }

  /** Every library, by name: the datasets named `<IMM_DATASET>-<valid library name>`. */
  async list(): Promise<string[]> {
    const libraries = await listLibraries(this.opts.client, this.opts.config);
    for (const library of libraries) this.opts.cache.known.add(library);
    return libraries;
  }

  /**
   * The changed libraries, longest-waiting first. Each library checked costs two IMM calls (its newest
   * clustering task and its statistics, the fingerprint rule of runImmClustering); at most
   * CLUSTER_SCAN_LIBRARIES are checked per tick. With more libraries than that, ticks take them in turns by
   * name, starting after the last library the previous tick checked (remembered by a warm instance; a cold one
   * starts at a window chosen by the hour, so the turns still go round), and never past a changed library that
   * this tick will not cluster: it is checked again, first, next tick.
   */
  async changedLibraries(deadline: number, log: Logger): Promise<string[]> {
    const { cache, tick } = this.opts;
    const all = await this.list();
    if (!all.length) {
      log.info('clustering.scan', { libraries: 0, checked: 0, changed: 0 });
      return [];
    }
    const size = Math.min(all.length, tick.scanLibraries);
    const after = cache.scanCursor;
    // Where this tick's window starts: after the library the last one stopped at; cold, by the hour.
    let start =
      after !== null
        ? all.findIndex((name) => name > after)
        : size < all.length
          ? (Math.floor(Date.now() / 3_600_000) * size) % all.length
          : 0;
    if (start < 0) start = 0;
    // The checks may use most of the tick, never all of it: the changed libraries still need their tasks.
    const left = deadline - Date.now();
    const reserve = Math.max(
      left * 0.2,
      tick.callsPerSecond ? (tick.maxLibraries * 4 * 1000) / tick.callsPerSecond : 0,
    );
    const checkUntil = Date.now() + Math.max(left - reserve, left * 0.3);
    const window = Array.from({ length: size }, (_, i) => all[(start + i) % all.length]!);
    const states: (ClusteringState | null)[] = new Array(size).fill(null);
    let next = 0;
    const worker = async () => {
      while (next < window.length && Date.now() < checkUntil) {
        const i = next++;
        const library = window[i]!;
        states[i] = await clusteringState(
          { client: this.opts.client, config: this.libraryConfig(library) },
          deadline,
        ).catch((err: unknown) => {
          log.warn('clustering.check_failed', { library, error: err });
          return null;
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(SCAN_CONCURRENCY, size) }, worker));

    const changed: { library: string; since: string; index: number }[] = [];
    let checked = 0;
    let busy = 0;
    for (const [index, state] of states.entries()) {
      if (!state) continue;
      checked++;
      const library = window[index]!;
      if (state.state === 'busy') busy++;
      if (state.state === 'changed') changed.push({ library, since: state.waitingSince, index });
      if (state.state === 'changed' && state.last?.Status === 'Failed')
        log.warn('clustering.failed', {
          library,
          immTaskId: state.last.TaskId,
          code: state.last.Code,
          message: state.last.Message,
          retry: true,
        });
      if (state.state !== 'current')
        log.info('clustering.checked', { library, state: state.state, waitingSince: state.waitingSince });
    }
    changed.sort((a, b) => (a.since < b.since ? -1 : a.since > b.since ? 1 : a.index - b.index));
    // Where the next tick starts: after the last library checked, or at the first changed one left over.
    let stop = states.indexOf(null);
    if (stop < 0) stop = size;
    const leftOver = changed.slice(tick.maxLibraries).map((c) => c.index);
    if (leftOver.length) stop = Math.min(stop, ...leftOver);
    // The next tick starts right after `stop - 1` (wrapping round the names; stop 0 keeps this window's start).
    cache.scanCursor = all[(start + stop - 1 + all.length) % all.length]!;
    log.info('clustering.scan', {
      libraries: all.length,
      checked,
      changed: changed.length,
      busy,
      from: window[0],
      nextAfter: cache.scanCursor,
    });
    return changed.map((c) => c.library);
  }

  private album(library: string): AlbumService {
    const { album, media } = this.opts;
    const photoPrefix = libraryPhotoPrefix(album.photoPrefix, library);
    return new AlbumService(libraryBackend(this.opts, library), media, { ...album, photoPrefix });
  }

  private libraryConfig(library: string): ImmConfig {
    return libraryImmConfig(this.opts.config, library);
  }
}

/**
 * The libraries of a deployment: its datasets named `<IMM_DATASET>-<valid library name>` (ListDatasets with
 * that prefix, 200 a page), sorted by name. No project yet: no library.
 */
export async function listLibraries(client: ImmClient, config: ImmConfig): Promise<string[]> {
  const prefix = `${config.dataset}-`;
  const libraries: string[] = [];
  let token: string | undefined;
  do {
    let page: ImmResponse<'ListDatasets'>;
    try {
      page = await client.call('ListDatasets', {
        ProjectName: config.project,
        Prefix: prefix,
        MaxResults: LIST_PAGE,
        NextToken: token,
      });
    } catch (err) {
      if (isNotFound(err)) return [];
      throw toAlbumError(err);
    }
    for (const d of page.Datasets ?? []) {
      const library = d.DatasetName.slice(prefix.length);
      // Another deployment's datasets may share the prefix (IMM_DATASET "faces" vs "faces-x"): only valid names count.
      if (d.DatasetName.startsWith(prefix) && libraryNameProblem(library) === null) libraries.push(library);
    }
    token = page.NextToken || undefined;
  } while (token);
  return libraries.sort();
}

/** The IMM settings of one library: IMM_DATASET's settings with the library's dataset. */
export const libraryImmConfig = (config: ImmConfig, library: string): ImmConfig => ({
  ...config,
  dataset: libraryDataset(config.dataset, library),
});

/**
 * The IMM backend of one library. Its dataset is known to exist, or is made (FaceManagement) by the first call
 * that finds it missing; detection is held to the library's photos in `bucket` (none without a bucket).
 */
export function libraryBackend(
  {
    client,
    config,
    album,
    bucket,
    video,
  }: Pick<ImmLibrariesOptions, 'client' | 'config' | 'bucket' | 'video'> & {
    album: Pick<AlbumConfig, 'photoPrefix'>;
  },
  library: string,
): ImmBackend {
  const photoPrefix = libraryPhotoPrefix(album.photoPrefix, library);
  return new ImmBackend({
    client,
    config: libraryImmConfig(config, library),
    poll: config.poll,
    ready: { checked: true },
    library: { uriPrefix: bucket ? ossUri(bucket, photoPrefix) : null },
    bucket,
    ...(video ? { video } : {}),
  });
}
