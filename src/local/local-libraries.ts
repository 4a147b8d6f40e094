import { type Dirent, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { type AlbumConfig, loadAlbumConfig } from '../config/album-config';
import { createApiApp } from '../http/api-app';
import type { SignedMedia } from '../http/signed-media';
import type { AlbumLibraries } from '../library/album-libraries';
import { libraryPhotoPrefix } from '../library/library-key';
import { libraryNameProblem } from '../library/library-name';
import { type LibraryHost, prefixLibraries } from '../library/prefix-libraries';
import type { Logger } from '../log/logger';
import type { AlbumRuntime, RuntimeFactory } from '../runtime/album-runtime';
import { type AlbumStore, openAlbumStore } from './album-store';
import { ClusterThread } from './cluster/cluster-thread';
import { clusteringSession } from './cluster/clustering-session';
import {
  bindLibrariesPhotosDir,
  LIBRARIES_DIR,
  libraryStoreDir,
  refuseSingleDataDir,
} from './data-dir-layout';
import { lazyEngine } from './engine/lazy-engine';
import { PhotoFolder } from './folder/photo-folder';
import type { FaceClusterer } from './local-backend';
import type { LocalAlbumOptions } from './local-runtime';
import { RecentCrops } from './media/face-thumbnails';
import type { FileStamp } from './store/photo-store';
import { loadTokenSecret } from './token-secret';

/** Libraries clustered per timer tick at most: a flood of tiny libraries cannot hold a tick for long. */
const MAX_LIBRARIES_PER_TICK = 50;

export interface LocalLibrariesOptions extends Omit<LocalAlbumOptions, 'clusterer'> {
  /** A new clusterer for each library (each keeps its own state between runs); clusteringSession() by default. */
  clusterer?: () => FaceClusterer;
  maxPerTick?: number;
}

/** One library: its album on disk, under `<data>/libraries/<name>/`. */
export interface LocalLibrary extends AlbumStore {
  name: string;
}

/** Every library of a photos folder, one album per subfolder, sharing one face engine. */
export interface LocalLibraries {
  runtime: AlbumRuntime;
  factory: RuntimeFactory;
  libraries: AlbumLibraries;
  /** The open library, or null when it has no album yet. */
  library(name: string): LocalLibrary | null;
  names(): string[];
  folder: PhotoFolder;
  config: AlbumConfig;
  bucket: string;
  log: Logger;
  /** The HS256 secret of library tokens (ALBUM_TOKEN_SECRET, else `<data>/token-secret`). */
  tokenSecret: string;
  /** Every file indexed in any library, keyed as in the folder (`<library>/…`). */
  knownFiles(): Map<string, FileStamp>;
  /** Indexed keys under a folder prefix (`<library>/…/`): what a removed folder held. */
  keysUnder(prefix: string): string[];
  /** Marks runs left 'running' by a killed process as failed, in each library as it is opened. */
  recoverAbandonedTasks(): void;
  /** Photo changes not indexed yet and being indexed under a prefix (the launcher's change queue): each library's stats show its own. */
  setIndexing(count: (prefix: string) => { queued: number; running: number } | null): void;
  setBaseUrl(url: string): void;
  close(): Promise<void>;
}

/**
 * `start --libraries`: each subfolder of the photos folder is a library with its own album (store,
 * people, thumbnails, media signing key) under `<data>/libraries/<name>/`, made on its first photo like a
 * dataset on IMM. Keys stay the folder's (`<name>/…`) so the indexer routes them with the same
 * libraryOfKey as on FC (the local photo prefix is ''). One face engine serves every library.
 */
export function openLocalLibraries(opts: LocalLibrariesOptions): LocalLibraries {
  const dataDir = resolve(opts.dataDir);
  const bucket = opts.bucket ?? 'local';
  const { log } = opts;
  const env = opts.env ?? process.env;
  refuseSingleDataDir(dataDir);
  const photosDir = bindLibrariesPhotosDir(dataDir, resolve(opts.photosDir), opts.photosDirGiven ?? true);
  const tokenSecret = loadTokenSecret(dataDir, env);
  // Locally the whole folder is the bucket: no PHOTO_PREFIX above the library folders.
  const config = loadAlbumConfig({
    ...env,
    PHOTO_PREFIX: '',
    LIBRARY_MODE: 'prefix',
    ALBUM_TOKEN_SECRET: tokenSecret,
  });
  const folder = new PhotoFolder(photosDir, log);
  const workers = opts.workers ?? availableParallelism();
  const engine = lazyEngine({ workers, log, create: opts.createEngine });
  let baseUrl = opts.baseUrl ?? 'http://127.0.0.1:9000';
  let recover = false;
  let indexing: (prefix: string) => { queued: number; running: number } | null = () => null;
  const open = new Map<string, LocalLibrary>();
  const recentCrops = new RecentCrops();
  // One clustering thread for every library (passes queue): a thread per library would cost each its own
  // V8 heap and hnswlib copy.
  const thread = !opts.clusterer && opts.clusterInWorker ? new ClusterThread(log) : null;
  const clustererOf = (name: string, dir: string): FaceClusterer =>
    opts.clusterer?.() ?? thread?.clusterer(name, join(dir, 'album.db')) ?? clusteringSession();

  const openLibrary = (name: string): LocalLibrary => {
    const dir = libraryStoreDir(dataDir, name);
    mkdirSync(dir, { recursive: true });
    const store = openAlbumStore({
      dir,
      folder,
      bucket,
      // The library's album accepts only its own folder's photos, like its dataset on IMM.
      config: { ...config, photoPrefix: libraryPhotoPrefix('', name) },
      keyPrefix: libraryPhotoPrefix('', name),
      engine: engine.get,
      concurrency: workers,
      clusterer: clustererOf(name, dir),
      fullClusteringGrowth: opts.fullClusteringGrowth,
      // Signed links of a library are served under its routes: /libraries/<name>/media/….
      mediaBase: () => `${baseUrl}/libraries/${name}`,
      env,
      log: log.child({ library: name }),
      recentCrops,
    });
    if (recover) store.backend.recoverAbandonedTasks();
    store.backend.indexing = () => indexing(libraryPhotoPrefix('', name));
    const library = { name, ...store };
    open.set(name, library);
    return library;
  };

  // Libraries already on disk; a folder under libraries/ that is not a valid name was not made by us.
  const storesDir = join(dataDir, LIBRARIES_DIR);
  let entries: Dirent[] = [];
  if (existsSync(storesDir)) entries = readdirSync(storesDir, { withFileTypes: true });
  try {
    for (const entry of entries)
      if (
        entry.isDirectory() &&
        !libraryNameProblem(entry.name) &&
        existsSync(join(storesDir, entry.name, 'album.db'))
      )
        openLibrary(entry.name);
  } catch (err) {
    for (const l of open.values()) l.db.close();
    throw err;
  }

  const names = () => [...open.keys()].sort();
  const host: LibraryHost = {
    async open(name, { create }) {
      const known = open.get(name);
      if (known) return known.service;
      if (!create || libraryNameProblem(name)) return null;
      log.info('library.created', { library: name, store: libraryStoreDir(dataDir, name) });
      return openLibrary(name).service;
    },
    list: async () => names(),
    async changedLibraries() {
      // Waiting longest first: never clustered, then by when the last clustering ended.
      const changed = [...open.values()]
        .filter((l) => l.photos.generation() !== l.tasks.clusteredGeneration())
        .map((l) => ({ name: l.name, since: l.tasks.last('clustering')?.endedAt ?? '' }));
      changed.sort((a, b) => a.since.localeCompare(b.since) || a.name.localeCompare(b.name));
      return changed.map((l) => l.name);
    },
  };
  const libraries = prefixLibraries({
    backend: 'local',
    host,
    photoPrefix: '',
    maxPerTick: opts.maxPerTick ?? MAX_LIBRARIES_PER_TICK,
  });
  const media = (name: string | null): SignedMedia | null => (name && open.get(name)?.media) || null;
  const api = createApiApp({ libraries, config, log, bucket, media });
  const runtime: AlbumRuntime = { libraries, service: null, api, keyEncoding: 'raw' };

  return {
    runtime,
    factory: () => runtime,
    libraries,
    library: (name) => open.get(name) ?? null,
    names,
    folder,
    config,
    bucket,
    log,
    tokenSecret,
    knownFiles() {
      const all = new Map<string, FileStamp>();
      for (const l of open.values()) for (const [key, stamp] of l.photos.knownFiles()) all.set(key, stamp);
      return all;
    },
    keysUnder(prefix) {
      const name = prefix.slice(0, prefix.indexOf('/'));
      return open.get(name)?.photos.pathsUnder(prefix) ?? [];
    },
    recoverAbandonedTasks() {
      recover = true;
      for (const l of open.values()) l.backend.recoverAbandonedTasks();
    },
    setIndexing(count) {
      indexing = count;
    },
    setBaseUrl: (url) => {
      baseUrl = url.replace(/\/+$/, '');
    },
    close: async () => {
      await engine.close();
      await thread?.close();
      for (const l of open.values()) l.db.close();
      open.clear();
    },
  };
}
