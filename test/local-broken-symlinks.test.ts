/**
 * Symlinks named like photos that lead nowhere (dangling, or a loop) are refused once with a reason and
 * remembered: the next scan (or restart) neither retries nor warns again, and nothing stays pending.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { scanCommand } from '../src/local/cli/scan-command';
import { PhotoFolder } from '../src/local/folder/photo-folder';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fa-links-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('dangling symlinks and symlink loops are refused once, then remembered', async () => {
  const photos = join(dir, 'photos');
  const data = join(dir, 'data');
  mkdirSync(photos);
  symlinkSync(join(dir, 'nowhere.jpg'), join(photos, 'dangling.jpg'));
  symlinkSync('loop-b.jpg', join(photos, 'loop-a.jpg'));
  symlinkSync('loop-a.jpg', join(photos, 'loop-b.jpg'));
  symlinkSync('self.jpg', join(photos, 'self.jpg'));

  const folder = new PhotoFolder(photos);
  expect(await folder.resolveFile('dangling.jpg')).toMatchObject({
    ok: false,
    reason: 'broken_symlink',
    stamp: expect.any(Object),
  });
  expect(await folder.resolveFile('self.jpg')).toMatchObject({ ok: false, reason: 'broken_symlink' });

  // The scan's output is read back (not left on the test's stdout): what a user would see warned about.
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
  expect(first.totals).toMatchObject({ indexed: 0, rejected: 4 });
  expect(first.warnings.filter((l) => l.includes('broken_symlink'))).toHaveLength(4);
  const second = await scan();
  expect(second.totals).toMatchObject({ indexed: 0, rejected: 0, unchanged: 0 });
  expect(second.warnings).toEqual([]);

  // When the target appears, the link is a photo candidate again (its stamp changed).
  writeFileSync(join(dir, 'nowhere.jpg'), 'not really a photo');
  const third = await scan();
  expect(third.totals.rejected).toBe(1);
}, 60_000);
