import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { AlbumService } from '../album/album-service';
import { isClusterable } from '../album/clusterable';
import { ossUri } from '../album/photo-filter';
import { type AlbumConfig, loadAlbumConfig } from '../config/album-config';
import { createApiApp } from '../http/api-app';
import { singleLibrary } from '../library/album-libraries';
import type { Logger } from '../log/logger';
import type { AlbumRuntime, RuntimeFactory } from '../runtime/album-runtime';
import { clusteringSession } from './cluster/clustering-session';
import type { FaceEngine, FaceEngineOptions } from './engine/face-engine';
import { PhotoFolder } from './folder/photo-folder';
import { type FaceClusterer, LocalBackend } from './local-backend';
import { FaceThumbnails } from './media/face-thumbnails';
import { localSignedMedia } from './media/local-signed-media';
import { LocalMediaLinks, loadMediaSecret } from './media/media-links';
import { type Db, openDatabase } from './store/database';
import { FaceEditsStore } from './store/face-edits-store';
import { MetaStore } from './store/meta-store';
import { PeopleStore } from './store/people-store';
import { PhotoStore } from './store/photo-store';
import { TaskStore } from './store/task-store';

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

async function defaultEngine(opts: FaceEngineOptions): Promise<FaceEngine> {
  const { createFaceEngine } = await import('./engine/create-face-engine');
  return createFaceEngine(opts);
}

export function openLocalAlbum(opts: LocalAlbumOptions): LocalAlbum {
  const dataDir = resolve(opts.dataDir);
  const bucket = opts.bucket ?? 'local';
  const { log } = opts;
  // Locally the whole folder is the album: no PHOTO_PREFIX.
  const config = loadAlbumConfig({ ...(opts.env ?? process.env), PHOTO_PREFIX: '' });
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
  const uriOf = (key: string) => ossUri(bucket, key);
  const folder = new PhotoFolder(photosDir);
  const photos = new PhotoStore(db);
  const people = new PeopleStore(db, uriOf);
  const tasks = new TaskStore(db);
  const workers = opts.workers ?? availableParallelism();
  const refreshed = photos.refreshClusterable(JSON.stringify(config.clusterable), (face) =>
    isClusterable(face, config.clusterable),
  );
  if (refreshed) log.info('faces.clusterable_refreshed', { changed: refreshed, rule: config.clusterable });

  let engine: Promise<FaceEngine> | null = null;
  const getEngine = () => {
    engine ??= (opts.createEngine ?? defaultEngine)({ workers, log }).catch((err) => {
      engine = null;
      throw err;
    });
    return engine;
  };
  const backend = new LocalBackend({
    bucket,
    folder,
    photos,
    people,
    tasks,
    edits: new FaceEditsStore(db),
    engine: getEngine,
    clusterer: opts.clusterer ?? clusteringSession(),
    fullClusteringGrowth: opts.fullClusteringGrowth,
    isClusterable: (face) => isClusterable(face, config.clusterable),
    concurrency: workers,
    // Off only to measure the uncached read path (bench:api); `objects` keeps answers but not their JSON.
    memoizeReads: (opts.env ?? process.env).FACE_ALBUM_READ_MEMO !== 'off',
    memoizeBodies: !['off', 'objects'].includes((opts.env ?? process.env).FACE_ALBUM_READ_MEMO ?? ''),
  });

  let baseUrl = opts.baseUrl ?? 'http://127.0.0.1:9000';
  const links = new LocalMediaLinks(
    loadMediaSecret(join(dataDir, 'media-secret')),
    () => baseUrl,
    config.urlExpiresSeconds,
  );
  const service = new AlbumService(backend, links, config);
  const media = localSignedMedia({
    links,
    folder,
    photos,
    thumbnails: new FaceThumbnails(join(dataDir, 'thumbnails')),
    log,
  });
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
      const running = engine;
      engine = null;
      if (running) await (await running.catch(() => null))?.close();
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
