/**
 * A FIFO (or socket, or device) named like a photo is refused once with a reason and a log line, listed
 * among refused files, never opened (a FIFO would block its reader), whether the walk or the watcher finds it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { scanCommand } from '../src/local/cli/scan-command';
import { PhotoFolder } from '../src/local/folder/photo-folder';
import { openDatabase } from '../src/local/store/database';
import { PhotoStore } from '../src/local/store/photo-store';
import { type FolderWatcher, watchFolder } from '../src/local/watch/folder-watcher';
import type { FolderChange } from '../src/local/watch/oss-event-builder';

let dir: string;
let watcher: FolderWatcher | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fa-fifo-'));
});
afterEach(async () => {
  await watcher?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a FIFO named x.jpg is refused once with a log line and listed as refused', async () => {
  const photos = join(dir, 'photos');
  const data = join(dir, 'data');
  mkdirSync(photos);
  execFileSync('mkfifo', [join(photos, 'x.jpg')]);
  const scan = async () => {
    let out = '';
    const totals = await scanCommand({
      photosDir: photos,
      dataDir: data,
      workers: 1,
      tty: false,
      write: (text) => {
        out += text;
      },
    });
    return { totals, warnings: out.split('\n').filter((l) => l.includes('"level":"warn"')) };
  };
  const first = await scan();
  expect(first.totals).toMatchObject({ indexed: 0, rejected: 1 });
  expect(first.warnings).toHaveLength(1);
  expect(first.warnings[0]).toContain('not_a_file: not a regular file (a FIFO)');
  const second = await scan();
  expect(second.totals).toMatchObject({ indexed: 0, rejected: 0, unchanged: 0 });
  expect(second.warnings).toEqual([]);
  const db = openDatabase(join(data, 'album.db'));
  try {
    expect(new PhotoStore(db).rejectedFiles()).toEqual([
      { path: 'x.jpg', reason: 'not_a_file', message: 'not a regular file (a FIFO)' },
    ]);
  } finally {
    db.close();
  }
}, 60_000);

it('the watcher reports a FIFO made while it watches (the indexer then refuses it)', async () => {
  const photos = join(dir, 'photos');
  mkdirSync(photos);
  const seen: FolderChange[] = [];
  watcher = await watchFolder({
    folder: new PhotoFolder(photos),
    onChange: (c) => seen.push(c),
    keysUnder: () => [],
    stabilityMs: 150,
    pollMs: 20,
  });
  execFileSync('mkfifo', [join(photos, 'y.jpg')]);
  const end = Date.now() + 5000;
  while (!seen.some((c) => c.kind === 'created' && c.key === 'y.jpg')) {
    if (Date.now() > end) throw new Error('the FIFO was never reported');
    await new Promise((r) => setTimeout(r, 25));
  }
});
