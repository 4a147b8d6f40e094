/**
 * The real API app over a LocalBackend on one database and photos folder, with no clustering: what the
 * /detect and request-edge tests need, built once here rather than by hand in each.
 */

import { AlbumService } from '../../src/album/album-service';
import { loadAlbumConfig } from '../../src/config/album-config';
import { createApiApp } from '../../src/http/api-app';
import { singleLibrary } from '../../src/library/album-libraries';
import type { FaceEngine } from '../../src/local/engine/face-engine';
import type { PhotoFolder } from '../../src/local/folder/photo-folder';
import { LocalBackend } from '../../src/local/local-backend';
import type { Db } from '../../src/local/store/database';
import { EditLogStore } from '../../src/local/store/edit-log-store';
import { FaceEditsStore } from '../../src/local/store/face-edits-store';
import { PeopleStore } from '../../src/local/store/people-store';
import { PhotoStore } from '../../src/local/store/photo-store';
import { TaskStore } from '../../src/local/store/task-store';
import { UnknownFacesStore } from '../../src/local/store/unknown-faces-store';
import type { Logger } from '../../src/log/logger';

export function detectApi(opts: {
  db: Db;
  folder: PhotoFolder;
  engine: () => Promise<FaceEngine>;
  log: Logger;
}): ReturnType<typeof createApiApp> {
  const { db } = opts;
  const backend = new LocalBackend({
    bucket: 'local',
    folder: opts.folder,
    photos: new PhotoStore(db),
    people: new PeopleStore(db, (p) => p),
    tasks: new TaskStore(db),
    edits: new FaceEditsStore(db),
    editLog: new EditLogStore(db),
    unknownFaces: new UnknownFacesStore(db),
    engine: opts.engine,
    clusterer: { cluster: () => ({ assignments: [], createdPersons: [], emptiedPersons: [] }) },
    isClusterable: () => true,
    concurrency: 1,
  });
  const config = loadAlbumConfig({ PHOTO_PREFIX: '' });
  return createApiApp({
    libraries: singleLibrary(
      new AlbumService(backend, { photoUrl: (u) => u, posterUrl: (u) => u, faceUrl: (u) => u }, config),
    ),
    config,
    log: opts.log,
    bucket: 'local',
  });
}
