/**
 * The directory watcher (one OS watch per folder, not per file): new files once stable, files in a
 * folder moved in from outside, removals of files and of whole folders, hidden names ignored.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { PhotoFolder } from '../src/local/folder/photo-folder';
import { type FolderWatcher, watchFolder } from '../src/local/watch/folder-watcher';
import type { FolderChange } from '../src/local/watch/oss-event-builder';

let dir: string;
let watcher: FolderWatcher | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fa-watch-'));
});
afterEach(async () => {
  await watcher?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function until(what: string, ok: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

it('reports stable new files, folders moved in, and removals of files and folders', async () => {
  const photos = join(dir, 'photos');
  mkdirSync(join(photos, 'old'), { recursive: true });
  writeFileSync(join(photos, 'old', 'a.jpg'), 'a');
  const seen: FolderChange[] = [];
  const has = (kind: string, key: string) => seen.some((c) => c.kind === kind && c.key === key);
  watcher = await watchFolder({
    folder: new PhotoFolder(photos),
    onChange: (c) => seen.push(c),
    keysUnder: (prefix) => (prefix === 'old/' ? ['old/a.jpg', 'old/b.jpg'] : []),
    stabilityMs: 150,
    pollMs: 20,
  });
  expect(seen).toEqual([]); // what was there before is the catch-up walk's job

  mkdirSync(join(photos, 'new', 'deep'), { recursive: true });
  writeFileSync(join(photos, 'new', 'deep', 'b.jpg'), 'part');
  writeFileSync(join(photos, '.hidden.jpg'), 'x');
  writeFileSync(join(photos, 'notes.txt'), 'x');
  await new Promise((r) => setTimeout(r, 60));
  writeFileSync(join(photos, 'new', 'deep', 'b.jpg'), 'part and the rest', { flag: 'a' });
  await until('new file', () => has('created', 'new/deep/b.jpg'));
  expect(seen.filter((c) => c.key === 'new/deep/b.jpg')).toHaveLength(1); // once, after it settled

  const outside = join(dir, 'import');
  mkdirSync(join(outside, 'sub'), { recursive: true });
  writeFileSync(join(outside, 'sub', 'c.jpg'), 'c');
  renameSync(outside, join(photos, 'import'));
  await until('moved-in folder', () => has('created', 'import/sub/c.jpg'));

  rmSync(join(photos, 'new', 'deep', 'b.jpg'));
  await until('file removal', () => has('removed', 'new/deep/b.jpg'));
  rmSync(join(photos, 'old'), { recursive: true });
  await until('folder removal', () => has('removed', 'old/b.jpg'));
  expect(seen.some((c) => c.key.includes('hidden') || c.key.endsWith('.txt'))).toBe(false);
});
