import { join } from 'node:path';
import { type RunningAlbum, startAlbumDaemon } from '../../src/local/launcher/album-daemon';
import type { Logger } from '../../src/log/logger';

/**
 * A running local album over `<work>/photos` (state in `<work>/data`) as the page tests and the screenshot
 * script use it: one engine worker, short quiet and settle times so people appear within seconds.
 */
export function startPageAlbum(work: string, log: Logger): Promise<RunningAlbum> {
  return startAlbumDaemon({
    photosDir: join(work, 'photos'),
    dataDir: join(work, 'data'),
    port: 0,
    workers: 1,
    env: {},
    log,
    quietMs: 200,
    stabilityMs: 200,
  });
}
