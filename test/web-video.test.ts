/**
 * Videos on the People page, in Debian's Chromium against the local backend (real engine, a clip made now
 * by the installed ffmpeg from faces-dev photos): the person's list shows the clip's poster with a play
 * badge and its length; opened, it plays in a <video> named after the file, and "Play from m:ss" seeks.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type LocalAlbum, openLocalAlbum } from '../src/local/local-runtime';
import { type LocalServer, startLocalServer } from '../src/local/server/local-server';
import { findFfmpeg } from '../src/local/video/ffmpeg-binary';
import { createLogger } from '../src/log/logger';
import { CHROMIUM_PATH, chromiumFound, HOW_TO_ENABLE, launchChromium } from './support/chromium';
import { makeClip } from './support/make-clip';

const DEV = resolve(import.meta.dirname, '../../shared/datasets/faces-dev');
const log = createLogger({ level: 'error' });
const found = chromiumFound();
if (!found) {
  const message = `web video test SKIPPED: no Chromium at ${CHROMIUM_PATH}; to run it, ${HOW_TO_ENABLE}`;
  if (process.env.CI) throw new Error(message);
  console.warn(message);
}

let work: string;
let album: LocalAlbum;
let server: LocalServer;
let browser: Awaited<ReturnType<typeof launchChromium>>;

beforeAll(async () => {
  if (!found) return;
  const ff = await findFfmpeg({});
  if (!ff.ok) throw new Error(ff.reason);
  work = mkdtempSync(join(tmpdir(), 'fa-web-video-'));
  const photos = join(work, 'photos');
  mkdirSync(photos, { recursive: true });
  for (let i = 1; i <= 4; i++) copyFileSync(join(DEV, `Hugo_Chavez/${i}.jpg`), join(photos, `hugo-${i}.jpg`));
  // Hugo on screen from 2 s to 5 s of a 7 s clip.
  await makeClip(
    ff.path,
    join(photos, 'hugo clip.mp4'),
    [
      { image: null, seconds: 2 },
      { image: join(DEV, 'Hugo_Chavez/10.jpg'), seconds: 3 },
      { image: null, seconds: 2 },
    ],
    { width: 640, height: 360, photoHeight: 340, codec: 'h264' },
  );
  album = openLocalAlbum({ photosDir: photos, dataDir: join(work, 'data'), workers: 1, env: {}, log });
  const keys = ['hugo-1.jpg', 'hugo-2.jpg', 'hugo-3.jpg', 'hugo-4.jpg', 'hugo clip.mp4'];
  await album.backend.indexPhotos(
    keys.map((k) => `oss://${album.bucket}/${k}`),
    log,
  );
  await album.backend.runClustering({ deadline: Date.now() + 120_000, log });
  server = await startLocalServer({ app: album.runtime.api, log, port: 0 });
  album.setBaseUrl(server.url);
  browser = await launchChromium();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await album?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

it.skipIf(!found)(
  'shows a video with its badge, plays it, and seeks to an appearance',
  async () => {
    const people = await album.backend.listPeople({
      limit: 10,
      sort: 'imageCount',
      order: 'desc',
      hidden: 'exclude',
    });
    expect(people.items.map((p) => [p.imageCount, p.videoCount])).toEqual([[4, 1]]);
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/#/people/${encodeURIComponent(people.items[0]!.id)}`);
    const tile = page.getByRole('button', { name: 'Play hugo clip.mp4' });
    await tile.waitFor();
    await expect.poll(() => tile.textContent()).toContain('0:07');
    const poster = tile.locator('img');
    await expect
      .poll(() => poster.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBe(640);
    await tile.click();
    const video = page
      .getByRole('application', { name: 'Video hugo clip.mp4' })
      .or(page.locator('video[aria-label="Video hugo clip.mp4"]'));
    await video.first().waitFor();
    const play = page.getByRole('button', { name: /^Play from 0:0[12]$/ });
    await play.click();
    const element = page.locator('video');
    await expect
      .poll(() => element.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(1);
    expect(await element.evaluate((v: HTMLVideoElement) => v.error?.message ?? null)).toBeNull();
    expect(errors).toEqual([]);
    await page.close();
  },
  120_000,
);
