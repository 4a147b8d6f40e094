/**
 * A symlink to a photo follows its target: when the target is overwritten while the album runs (the
 * watcher hears only the target's name), the link is analysed again too, not left on the old content
 * until a restart.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { type RunningAlbum, startAlbumDaemon } from '../src/local/launcher/album-daemon';
import { captureLogs } from './support/log-capture';
import { waitFor } from './support/wait-for';

const DEV = join(import.meta.dirname, '../../shared/datasets/faces-dev');
const dir = mkdtempSync(join(tmpdir(), 'fa-linkchange-'));
const photos = join(dir, 'photos');
let running: RunningAlbum | undefined;
afterAll(async () => {
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a link to a photo is re-analysed when its target is overwritten', async () => {
  mkdirSync(join(photos, 'sub'), { recursive: true });
  copyFileSync(join(DEV, 'George_W_Bush/1.jpg'), join(photos, 'a.jpg'));
  symlinkSync('../a.jpg', join(photos, 'sub', 'link.jpg'));
  running = await startAlbumDaemon({
    photosDir: photos,
    dataDir: join(dir, 'data'),
    port: 0,
    workers: 1,
    env: {},
    log: captureLogs().log,
    quietMs: 300,
    stabilityMs: 300,
    clusterIntervalMs: 3_600_000,
  });
  await running.idle();
  const store = running.album.photos;
  const before = store.photoByPath('a.jpg')!.hash;
  expect(store.photoByPath('sub/link.jpg')!.hash).toBe(before);

  copyFileSync(join(DEV, 'Colin_Powell/1.jpg'), join(photos, 'a.jpg'));
  const after = await waitFor(
    'the target re-indexed',
    () => {
      const h = store.photoByPath('a.jpg')?.hash;
      return h !== before && h;
    },
    { timeoutMs: 60_000 },
  );
  await running.idle();
  expect(store.photoByPath('sub/link.jpg')!.hash).toBe(after);
}, 120_000);
