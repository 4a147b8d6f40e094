/**
 * POST /detect {"uri"} on a photo that disappears while it is read (renamed mid-read) is a 404 for that
 * photo, and no answer ever carries a server path. The engine here is the real decoder behind a file
 * rename, so the message is the one the real engine produces.
 */
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { decodeImage } from '../src/local/engine/decode-image';
import type { EngineInput, FaceEngine } from '../src/local/engine/face-engine';
import { PhotoFolder } from '../src/local/folder/photo-folder';
import { type Db, openDatabase } from '../src/local/store/database';
import { createLogger } from '../src/log/logger';
import { detectApi } from './support/detect-api';

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
  const api = detectApi({
    db,
    folder: new PhotoFolder(photos),
    engine: async () => renamingEngine,
    log: createLogger({ level: 'error' }),
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
