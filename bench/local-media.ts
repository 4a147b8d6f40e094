/**
 * A large photo through the local server's signed media route: time per request and the server's
 * memory, for this checkout and (side by side) another one, e.g. main before the direct bridge.
 *   npm run bench:local-media -- [--mb 10] [--runs 20] [--against /path/to/other/checkout]
 * Each checkout runs in its own child process on the same file.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    mb: { type: 'string', default: '10' },
    runs: { type: 'string', default: '20' },
    against: { type: 'string' },
    child: { type: 'string' },
    photos: { type: 'string' },
  },
});
const runs = Number(values.runs);

if (values.child) {
  await measure(resolve(values.child), values.photos!);
} else {
  const work = mkdtempSync(join(tmpdir(), 'fa-media-bench-'));
  const photos = join(work, 'photos');
  mkdirSync(photos);
  // Bytes are served as stored, never decoded: random bytes with a photo name stand in for a large JPEG.
  writeFileSync(join(photos, 'big.jpg'), randomBytes(Number(values.mb) * 1024 * 1024));
  const roots = [resolve(import.meta.dirname, '..'), ...(values.against ? [resolve(values.against)] : [])];
  try {
    for (const root of roots) {
      const out = execFileSync(
        process.execPath,
        [
          '--import',
          'tsx',
          import.meta.filename,
          '--child',
          root,
          '--photos',
          photos,
          '--runs',
          String(runs),
        ],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      process.stdout.write(out);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function measure(root: string, photos: string): Promise<void> {
  const load = (p: string) => import(pathToFileURL(join(root, p)).href);
  const { openLocalAlbum } = await load('src/local/local-runtime.ts');
  const { createLogger } = await load('src/log/logger.ts');
  const { startLocalServer } = await load('src/local/server/local-server.ts');
  const log = createLogger({ level: 'warn' });
  const data = mkdtempSync(join(tmpdir(), 'fa-media-data-'));
  const album = openLocalAlbum({ photosDir: photos, dataDir: data, env: {}, log });
  album.photos.saveAnalysis('hash-big', { width: 4000, height: 3000, takenAt: null, faces: [] });
  album.photos.upsertPhoto('big.jpg', 'hash-big', { size: 1, mtimeMs: 1 }, () => true);
  // The FC-event bridge of older checkouts took the api handler; the direct server takes the app.
  const viaFcEvent = existsSync(join(root, 'src/local/server/fc-http-bridge.ts'));
  const server = viaFcEvent
    ? await startLocalServer(
        (await load('src/local/launcher/album-functions.ts')).localFunctions(album).api,
        0,
      )
    : await startLocalServer({ app: album.runtime.api, log, port: 0 });
  album.setBaseUrl(server.url);
  const photo = (await (await fetch(`${server.url}/photos/faces?uri=big.jpg`)).json()) as {
    photoUrl: string;
  };
  const times: number[] = [];
  let rssPeak = 0;
  const rssBefore = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 5);
  let bytes = 0;
  for (let i = 0; i < runs + 2; i++) {
    const t = performance.now();
    const res = await fetch(photo.photoUrl);
    bytes = (await res.arrayBuffer()).byteLength;
    if (i >= 2) times.push(performance.now() - t); // two warm-up requests
  }
  clearInterval(sampler);
  times.sort((a, b) => a - b);
  const mb = (n: number) => (n / 1048576).toFixed(0);
  console.log(
    `${viaFcEvent ? 'FC event bridge (base64)' : 'direct app bridge (bytes)'}  ${root}\n` +
      `  GET /media/photo ${mb(bytes)} MB x${runs}: median ${times[times.length >> 1]!.toFixed(1)} ms, ` +
      `p90 ${times[Math.floor(times.length * 0.9)]!.toFixed(1)} ms; RSS ${mb(rssBefore)} → peak ${mb(rssPeak)} MB`,
  );
  await server.close();
  await album.close();
  rmSync(data, { recursive: true, force: true });
}
