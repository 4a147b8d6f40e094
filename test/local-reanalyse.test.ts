/**
 * `face-album reanalyse` through the real CLI and engine: analyses made before the engine read face
 * attributes or computed second vectors (attributes, second NULL) get what a fresh analysis gives; boxes,
 * embeddings and people stay.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../src/local/store/database';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'face-album.cjs');
const DEV = resolve(ROOT, '../shared/datasets/faces-dev');
const work = mkdtempSync(join(tmpdir(), 'fa-reanalyse-'));
const photos = join(work, 'photos');
const data = join(work, 'state');

const cli = (args: string[]) =>
  run(process.execPath, [BIN, ...args, '--data', data], {
    cwd: work,
    env: { ...process.env, FACE_ALBUM_WORKERS: '1', LOG_LEVEL: 'warn' },
    maxBuffer: 16 * 1024 * 1024,
  });

afterAll(() => rmSync(work, { recursive: true, force: true }));

it('fills the attributes of old analyses and changes nothing else', async () => {
  mkdirSync(photos, { recursive: true });
  for (const rel of ['Hugo_Chavez/1.jpg', 'Hugo_Chavez/2.jpg', 'Ariel_Sharon/1.jpg'])
    copyFileSync(join(DEV, rel), join(photos, rel.replace('/', '-')));
  await cli(['scan', photos]);
  const read = () => {
    const db = openDatabase(join(data, 'album.db'));
    try {
      return db
        .prepare(
          'SELECT hash, idx, box_left, box_width, embedding, attributes, second FROM analysis_faces ORDER BY hash, idx',
        )
        .all() as { attributes: string | null; embedding: Buffer; second: Buffer | null }[];
    } finally {
      db.close();
    }
  };
  const fresh = read();
  expect(fresh.length).toBeGreaterThanOrEqual(3);
  expect(fresh.every((f) => f.attributes !== null && JSON.parse(f.attributes).emotion)).toBe(true);
  // The engine gives every face its second vector (engine/face-engine.ts).
  const seconds = fresh.filter((f) => f.second !== null).length;
  expect(seconds).toBe(fresh.length);
  // An album analysed before attributes and second vectors existed.
  const db = openDatabase(join(data, 'album.db'));
  db.exec(
    'UPDATE analysis_faces SET attributes = NULL, second = NULL; UPDATE person_photos SET attributes = NULL',
  );
  db.close();
  expect(read().every((f) => f.attributes === null && f.second === null)).toBe(true);

  const before = JSON.parse((await cli(['status', '--photos', photos])).stdout).vectors;
  expect(before).toMatchObject({ clusteredOn: 'fused', facesWithoutSecond: fresh.length });
  expect(before.hint).toContain('face-album reanalyse');

  const { stdout } = await cli(['reanalyse', '--photos', photos]);
  expect(stdout).toContain(
    `reanalysed 3 photos (${fresh.length} faces, 0 not found again, 0 skipped; ${seconds} second vectors)`,
  );
  expect(read()).toEqual(fresh);
  const after = openDatabase(join(data, 'album.db'));
  const rows = after.prepare('SELECT attributes FROM person_photos').all() as { attributes: string | null }[];
  after.close();
  expect(rows.every((r) => r.attributes !== null)).toBe(true);
  expect(JSON.parse((await cli(['status', '--photos', photos])).stdout).vectors).toEqual({
    clusteredOn: 'fused',
    facesWithoutSecond: 0,
  });
  // A second run finds nothing left to do (faces still without a second vector are tried again).
  expect((await cli(['reanalyse', '--photos', photos])).stdout).toContain('reanalysed 0 photos');
}, 240_000);
