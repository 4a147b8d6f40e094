import { join } from 'node:path';
import { AlbumService } from '../album/album-service';
import { isClusterable } from '../album/clusterable';
import { ossUri } from '../album/photo-filter';
import type { AlbumConfig } from '../config/album-config';
import type { SignedMedia } from '../http/signed-media';
import type { Logger } from '../log/logger';
import type { FaceEngine } from './engine/face-engine';
import type { PhotoFolder } from './folder/photo-folder';
import { type FaceClusterer, LocalBackend } from './local-backend';
import { FaceThumbnails, type RecentCrops } from './media/face-thumbnails';
import { localSignedMedia } from './media/local-signed-media';
import { LocalMediaLinks, loadMediaSecret } from './media/media-links';
import { type Db, openDatabase } from './store/database';
import { EditLogStore } from './store/edit-log-store';
import { FaceEditsStore } from './store/face-edits-store';
import { PeopleStore } from './store/people-store';
import { PhotoStore } from './store/photo-store';
import { TaskStore } from './store/task-store';
import { UnknownFacesStore } from './store/unknown-faces-store';
import { VideoAnalyzer } from './video/video-analyzer';

export interface AlbumStoreOptions {
  /** Where this album's SQLite file, thumbnails and media signing key live. */
  dir: string;
  folder: PhotoFolder;
  bucket: string;
  /** The album's config; its photoPrefix is what the album's photo filter accepts. */
  config: AlbumConfig;
  /** Keys this album may read (a library's folder, `<lib>/`); '' = the whole folder. */
  keyPrefix?: string;
  /** The face engine, shared by every album of the process. */
  engine: () => Promise<FaceEngine>;
  concurrency: number;
  clusterer: FaceClusterer;
  fullClusteringGrowth?: number;
  /** The origin (and path) media links start with, read when a link is signed. */
  mediaBase: () => string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** Face crops kept in memory, shared by the albums of a process (one bound); its own when absent. */
  recentCrops?: RecentCrops;
}

/** One album on disk: its store, backend, service and signed media. */
export interface AlbumStore {
  db: Db;
  backend: LocalBackend;
  photos: PhotoStore;
  people: PeopleStore;
  tasks: TaskStore;
  service: AlbumService;
  media: SignedMedia;
}

/** Opens (creating when new) one album's store under `dir` and builds the service on it. */
export function openAlbumStore(
  opts: AlbumStoreOptions,
  db = openDatabase(join(opts.dir, 'album.db')),
): AlbumStore {
  const { config, bucket, folder, log, env } = opts;
  const photos = new PhotoStore(db);
  const people = new PeopleStore(db, (key) => ossUri(bucket, key));
  const refreshed = photos.refreshClusterable(JSON.stringify(config.clusterable), (face) =>
    isClusterable(face, config.clusterable),
  );
  if (refreshed) log.info('faces.clusterable_refreshed', { changed: refreshed, rule: config.clusterable });
  const tasks = new TaskStore(db);
  const thumbnails = new FaceThumbnails(join(opts.dir, 'thumbnails'), opts.recentCrops);
  const backend = new LocalBackend({
    video: new VideoAnalyzer({ engine: opts.engine, stills: thumbnails, env }),
    bucket,
    folder,
    keyPrefix: opts.keyPrefix,
    photos,
    people,
    tasks,
    edits: new FaceEditsStore(db),
    editLog: new EditLogStore(db),
    unknownFaces: new UnknownFacesStore(db),
    engine: opts.engine,
    clusterer: opts.clusterer,
    fullClusteringGrowth: opts.fullClusteringGrowth,
    isClusterable: (face) => isClusterable(face, config.clusterable),
    concurrency: opts.concurrency,
    // Off only to measure the uncached read path (bench:api); `objects` keeps answers but not their JSON.
    memoizeReads: env.FACE_ALBUM_READ_MEMO !== 'off',
    memoizeBodies: !['off', 'objects'].includes(env.FACE_ALBUM_READ_MEMO ?? ''),
  });
  const links = new LocalMediaLinks(
    loadMediaSecret(join(opts.dir, 'media-secret')),
    opts.mediaBase,
    config.urlExpiresSeconds,
  );
  const service = new AlbumService(backend, links, config);
  const media = localSignedMedia({
    links,
    folder,
    indexedPhoto: (key) => backend.indexedPhoto(key),
    keyPrefix: opts.keyPrefix,
    thumbnails,
    log,
  });
  return { db, backend, photos, people, tasks, service, media };
}
