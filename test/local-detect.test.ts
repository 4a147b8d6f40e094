/**
 * POST /detect {"uri"} on a photo that disappears while it is read (renamed mid-read) is a 404 for that
 * photo, and no answer ever carries a server path. The engine here is the real decoder behind a file
 * rename, so the message is the one the real engine produces.
 */
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AlbumService } from '../src/album/album-service';
import { loadAlbumConfig } from '../src/config/album-config';
import { createApiApp } from '../src/http/api-app';
import { singleLibrary } from '../src/library/album-libraries';
import { decodeImage } from '../src/local/engine/decode-image';
import type { EngineInput, FaceEngine } from '../src/local/engine/face-engine';
import { PhotoFolder } from '../src/local/folder/photo-folder';
import { LocalBackend } from '../src/local/local-backend';
import { type Db, openDatabase } from '../src/local/store/database';
import { EditLogStore } from '../src/local/store/edit-log-store';
import { FaceEditsStore } from '../src/local/store/face-edits-store';
import { PeopleStore } from '../src/local/store/people-store';
import { PhotoStore } from '../src/local/store/photo-store';
import { TaskStore } from '../src/local/store/task-store';
import { UnknownFacesStore } from '../src/local/store/unknown-faces-store';
import { createLogger } from '../src/log/logger';

const GOOD = join(import.meta.dirname, '../../shared/datasets/faces-dev/George_W_Bush/1.jpg');
let dir: string;
let db: Db;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fa-detect-'));
  db = openDatabase(join(dir, 'data', 'album.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a photo renamed while /detect reads it answers 404 without the server path', async () => {
  const photos = join(dir, 'photos');
  mkdirSync(photos, { recursive: true });
  copyFileSync(GOOD, join(photos, 'a.jpg'));
  const renamingEngine: FaceEngine = {
    analyze: async (input: EngineInput) => {
      if ('path' in input) renameSync(input.path, `${input.path}.moved`);
      await decodeImage(input, { maxPixels: 50_000_000, detectMaxSide: 1024 });
      throw new Error('unreachable: the file was renamed');
    },
    close: async () => {},
  } as unknown as FaceEngine;
  const backend = new LocalBackend({
    bucket: 'local',
    folder: new PhotoFolder(photos),
    photos: new PhotoStore(db),
    people: new PeopleStore(db, (p) => p),
    tasks: new TaskStore(db),
    edits: new FaceEditsStore(db),
    editLog: new EditLogStore(db),
    unknownFaces: new UnknownFacesStore(db),
    engine: async () => renamingEngine,
    clusterer: { cluster: () => ({ assignments: [], createdPersons: [], emptiedPersons: [] }) },
    isClusterable: () => true,
    concurrency: 1,
  });
  const config = loadAlbumConfig({ PHOTO_PREFIX: '' });
  const api = createApiApp({
    libraries: singleLibrary(new AlbumService(backend, { photoUrl: (u) => u, faceUrl: (u) => u }, config)),
    config,
    log: createLogger({ level: 'error' }),
    bucket: 'local',
  });
  const res = await api.request('/detect', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ uri: 'a.jpg' }),
  });
  const text = await res.text();
  expect(res.status).toBe(404);
  expect(text).toContain('oss://local/a.jpg');
  expect(text).not.toContain(dir);
  // The decoder's own message carries no path either (it is logged and may reach other callers).
  await expect(
    decodeImage({ path: join(photos, 'gone.jpg') }, { maxPixels: 1e6, detectMaxSide: 512 }),
  ).rejects.toSatisfy((err: Error) => !err.message.includes(dir));
});
