import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { type AlbumConfig, loadAlbumConfig } from '../config/album-config';
import { createApiApp } from '../http/api-app';
import { singleLibrary } from '../library/album-libraries';
import type { Logger } from '../log/logger';
import type { AlbumRuntime, RuntimeFactory } from '../runtime/album-runtime';
import { openAlbumStore } from './album-store';
import { ClusterThread } from './cluster/cluster-thread';
import { clusteringSession } from './cluster/clustering-session';
import { refuseLibrariesDataDir } from './data-dir-layout';
import type { FaceEngine, FaceEngineOptions } from './engine/face-engine';
import { lazyEngine } from './engine/lazy-engine';
import { PhotoFolder } from './folder/photo-folder';
import type { FaceClusterer, LocalBackend } from './local-backend';
import { type Db, openDatabase } from './store/database';
import { MetaStore } from './store/meta-store';
import type { PeopleStore } from './store/people-store';
import type { PhotoStore } from './store/photo-store';

export interface LocalAlbumOptions {
  photosDir: string;
  /**
   * False when photosDir is only the default (no --photos given): a data dir that already belongs to another
   * folder then keeps that folder. When given explicitly and different, opening fails instead of treating
   * every indexed photo as deleted.
   */
  photosDirGiven?: boolean;
  dataDir: string;
  /** Bucket name in `oss://` URIs; the folder stands in for it. */
  bucket?: string;
  /** Origin media links point at (the local server), e.g. http://127.0.0.1:9000; may be set once the port is known. */
  baseUrl?: string;
  workers?: number;
  env?: NodeJS.ProcessEnv;
  /** The launcher's root logger: the album, its handlers and the engine's workers log through it. */
  log: Logger;
  createEngine?: (opts: FaceEngineOptions) => Promise<FaceEngine>;
  clusterer?: FaceClusterer;
  /**
   * Run clustering passes in a worker thread (ClusterThread) instead of on the main thread, so the HTTP
   * API keeps answering during a pass: what `start` does. Off for one-shot commands (scan, recluster),
   * which serve nothing meanwhile. Ignored when `clusterer` is given.
   */
  clusterInWorker?: boolean;
  /** See LocalBackendDeps.fullClusteringGrowth. */
  fullClusteringGrowth?: number;
}

/** Everything the local album holds; the same handlers as on FC run on top of `runtime`. */
export interface LocalAlbum {
  runtime: AlbumRuntime;
  factory: RuntimeFactory;
  backend: LocalBackend;
  photos: PhotoStore;
  people: PeopleStore;
  folder: PhotoFolder;
  config: AlbumConfig;
  bucket: string;
  log: Logger;
  setBaseUrl(url: string): void;
  close(): Promise<void>;
}

export function openLocalAlbum(opts: LocalAlbumOptions): LocalAlbum {
  const dataDir = resolve(opts.dataDir);
  const bucket = opts.bucket ?? 'local';
  const { log } = opts;
  // Locally the whole folder is the album: no PHOTO_PREFIX.
  const config = loadAlbumConfig({ ...(opts.env ?? process.env), PHOTO_PREFIX: '' });
  refuseLibrariesDataDir(dataDir);
  const db: Db = openDatabase(join(dataDir, 'album.db'));
  let photosDir: string;
  try {
    photosDir = bindPhotosDir(
      new MetaStore(db),
      resolve(opts.photosDir),
      opts.photosDirGiven ?? true,
      dataDir,
    );
  } catch (err) {
    db.close();
    throw err;
  }
  const folder = new PhotoFolder(photosDir, log);
  const workers = opts.workers ?? availableParallelism();
  const engine = lazyEngine({ workers, log, create: opts.createEngine });
  let baseUrl = opts.baseUrl ?? 'http://127.0.0.1:9000';
  const thread = !opts.clusterer && opts.clusterInWorker ? new ClusterThread(log) : null;
  const { backend, photos, people, service, media } = openAlbumStore(
    {
      dir: dataDir,
      folder,
      bucket,
      config,
      engine: engine.get,
      concurrency: workers,
      clusterer: opts.clusterer ?? thread?.clusterer('album', db.name) ?? clusteringSession(),
      fullClusteringGrowth: opts.fullClusteringGrowth,
      mediaBase: () => baseUrl,
      env: opts.env ?? process.env,
      log,
    },
    db,
  );
  const libraries = singleLibrary(service);
  const api = createApiApp({ libraries, config, log, bucket, media: () => media });
  const runtime: AlbumRuntime = { libraries, service, api, keyEncoding: 'raw' };

  return {
    runtime,
    factory: () => runtime,
    backend,
    photos,
    people,
    folder,
    config,
    bucket,
    log,
    setBaseUrl: (url) => {
      baseUrl = url.replace(/\/+$/, '');
    },
    close: async () => {
      await engine.close();
      await thread?.close();
      db.close();
    },
  };
}

/** The photos folder a data dir belongs to, recorded on first use. */
function bindPhotosDir(meta: MetaStore, requested: string, given: boolean, dataDir: string): string {
  const bound = meta.setOnce('photos_dir', requested);
  if (bound === requested || !given) return bound;
  throw new Error(
    `the data dir ${dataDir} holds the album of ${bound}; pass --photos ${bound}, or use another --data for ${requested}`,
  );
}
