/**
 * Names with line breaks (\n, \r, U+2028, U+2029) are legal on disk and in OSS keys: they are indexed
 * like any other, and nothing is left pending for the next scan.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { parseOssUri } from '../src/album/photo-filter';
import { scanCommand } from '../src/local/cli/scan-command';
import { parseRoute } from '../web/router';

const FACE = join(import.meta.dirname, '../../shared/datasets/faces-dev/George_W_Bush/1.jpg');
const NAMES = ['new\nline.jpg', 'carriage\rreturn.jpg', 'line\u2028separator.jpg', 'dir\u2029/para.jpg'];
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fa-breaks-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('oss:// URIs whose keys hold line breaks parse to the whole key', () => {
  for (const key of NAMES) {
    expect(parseOssUri(`oss://local/${key}`)).toEqual({ bucket: 'local', key });
    // The web page's routes too, should a hash arrive with the break undecoded.
    expect(parseRoute(`#/photo/oss://local/${key}`)).toEqual({
      view: 'photo',
      uri: `oss://local/${key}`,
      from: null,
    });
  }
});

it('photos whose names hold line breaks are indexed once, then nothing is pending', async () => {
  const photos = join(dir, 'photos');
  for (const name of NAMES) {
    mkdirSync(join(photos, name, '..'), { recursive: true });
    copyFileSync(FACE, join(photos, name));
  }
  const scan = () =>
    scanCommand({ photosDir: photos, dataDir: join(dir, 'data'), workers: 1, tty: false, write: () => {} });
  expect(await scan()).toMatchObject({ indexed: NAMES.length, rejected: 0 });
  expect(await scan()).toMatchObject({ indexed: 0, rejected: 0, unchanged: 0 });
}, 120_000);
