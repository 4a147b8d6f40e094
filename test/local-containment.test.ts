/**
 * Nothing outside the photos folder is ever read: a symlinked directory leading out of the folder is
 * refused on every read path (folder resolution, /detect, photo links, face crops), whether or not the
 * file exists out there (no existence oracle), with a log line; the folder walk says it skips the link.
 */

import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createFaceEngine } from '../src/local/engine/create-face-engine';
import type { FaceEngine } from '../src/local/engine/face-engine';
import { PhotoFolder } from '../src/local/folder/photo-folder';
import { FaceThumbnails } from '../src/local/media/face-thumbnails';
import { localSignedMedia } from '../src/local/media/local-signed-media';
import { LocalMediaLinks, loadMediaSecret } from '../src/local/media/media-links';
import { openDatabase } from '../src/local/store/database';
import { walkPhotos } from '../src/local/watch/folder-walk';
import { detectApi } from './support/detect-api';
import { captureLogs } from './support/log-capture';

const FACE = join(import.meta.dirname, '../../shared/datasets/faces-dev/George_W_Bush/1.jpg');
const dir = mkdtempSync(join(tmpdir(), 'fa-contain-'));
const photos = join(dir, 'photos');
const outside = join(dir, 'outside');
mkdirSync(join(photos, 'inner'), { recursive: true });
mkdirSync(outside);
copyFileSync(FACE, join(outside, 'secret.jpg'));
copyFileSync(FACE, join(photos, 'inner', 'mine.jpg'));
symlinkSync(outside, join(photos, 'outdir'));
// A link to a folder inside the folder stays readable.
symlinkSync(join(photos, 'inner'), join(photos, 'alias'));
const db = openDatabase(join(dir, 'data', 'album.db'));
let engine: FaceEngine | undefined;
afterAll(async () => {
  await engine?.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

it('the folder refuses a path through a directory link leading outside, existing or not', async () => {
  const logs = captureLogs();
  const folder = new PhotoFolder(photos, logs.log);
  const there = await folder.resolveFile('outdir/secret.jpg');
  const notThere = await folder.resolveFile('outdir/none.jpg');
  const deeper = await folder.resolveFile('outdir/no/such/dir.jpg');
  for (const r of [there, notThere, deeper]) expect(r).toMatchObject({ ok: false, reason: 'outside_folder' });
  expect(logs.events('folder.outside_refused')).toHaveLength(3);
  expect(await folder.resolveFile('alias/mine.jpg')).toMatchObject({ ok: true });
});

it('/detect answers the same 400 for a file outside, existing or not, and never reads it', async () => {
  const logs = captureLogs();
  const api = detectApi({
    db,
    folder: new PhotoFolder(photos, logs.log),
    engine: async () => {
      engine ??= await createFaceEngine({ workers: 1 });
      return engine;
    },
    log: logs.log,
  });
  const detect = async (uri: string) => {
    const res = await api.request('/detect', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uri }),
    });
    return { status: res.status, text: await res.text() };
  };
  const there = await detect('outdir/secret.jpg');
  const notThere = await detect('outdir/none.jpg');
  expect(there.status).toBe(400);
  expect(notThere.status).toBe(400);
  expect(there.text).toContain('outside the photos folder');
  expect(there.text).not.toContain(outside);
  expect(engine).toBeUndefined();
  expect(logs.events('folder.outside_refused')).toHaveLength(2);
}, 60_000);

it('signed photo links and face crops for a key through the link are not found', async () => {
  const logs = captureLogs();
  const links = new LocalMediaLinks(
    loadMediaSecret(join(dir, 'data', 'media-secret')),
    () => 'http://x',
    900,
  );
  const media = localSignedMedia({
    links,
    folder: new PhotoFolder(photos, logs.log),
    // As if indexed before containment was fixed: the crop must still not read the outside file.
    indexedPhoto: (key) => ({
      id: 1,
      path: key,
      hash: 'a'.repeat(64),
      width: 250,
      height: 250,
      takenAt: null,
      mediaType: 'image',
      durationSeconds: null,
    }),
    thumbnails: new FaceThumbnails(join(dir, 'data', 'thumbs')),
    log: logs.log,
  });
  const q = (url: string) => Object.fromEntries(new URL(url).searchParams);
  await expect(media.photo(q(links.photoUrl('oss://local/outdir/secret.jpg')))).rejects.toMatchObject({
    code: 'not_found',
  });
  const box = { left: 50, top: 50, width: 100, height: 100 };
  await expect(media.face(q(links.faceUrl('oss://local/outdir/secret.jpg', box)))).rejects.toMatchObject({
    code: 'not_found',
  });
  // The link inside the folder still serves.
  const ok = await media.photo(q(links.photoUrl('oss://local/alias/mine.jpg')));
  expect(ok.size).toBeGreaterThan(0);
  expect(logs.events('folder.outside_refused')).toHaveLength(2);
});

it('the folder walk says once that it skips a directory link', async () => {
  const logs = captureLogs();
  const found = await walkPhotos(new PhotoFolder(photos), undefined, logs.log);
  expect([...found.keys()]).toEqual(['inner/mine.jpg']);
  expect(logs.events('folder.directory_link_skipped').map((l) => l.key)).toEqual(['alias', 'outdir']);
});
