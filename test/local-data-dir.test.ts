/**
 * A data dir belongs to the photos folder it was built on: `status`/`export`/`start` without --photos use
 * that folder, and an explicit other folder is refused instead of reading as "every photo was deleted".
 * Runs the real CLI (bin, via tsx) on a real data dir; no engine is needed because nothing is analysed.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openLocalAlbum } from '../src/local/local-runtime';
import { captureLogs } from './support/log-capture';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '..', 'bin', 'face-album.cjs');
const work = mkdtempSync(join(tmpdir(), 'fa-datadir-'));
const library = join(work, 'library');
const data = join(work, 'state');
mkdirSync(library);
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FACE_ALBUM_')));
const cli = (args: string[]) => run(process.execPath, [BIN, ...args], { cwd: work, env });

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('data dir bound to its photos folder', () => {
  it('records the folder on first use and keeps it when --photos is left at its default', async () => {
    await openLocalAlbum({ photosDir: library, dataDir: data, env: {}, log: captureLogs().log }).close();
    const { stdout } = await cli(['status', '--data', data]);
    expect(JSON.parse(stdout).photosDir).toBe(library);
  });

  it('refuses an explicit other folder with a message naming both', async () => {
    const other = join(work, 'elsewhere');
    const err = await cli(['status', '--data', data, '--photos', other]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain(library);
    expect(err?.stderr).toContain(other);
    expect(() =>
      openLocalAlbum({ photosDir: other, dataDir: data, env: {}, log: captureLogs().log }),
    ).toThrow(/holds the album of/);
  });
});
