import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The ffmpeg videos are decoded with, or why there is none (then videos are refused with that reason). */
export type FfmpegBinary = { ok: true; path: string; version: string } | { ok: false; reason: string };

/** The setting naming another ffmpeg (e.g. Debian's `/usr/bin/ffmpeg`) instead of the npm package's. */
export const FFMPEG_SETTING = 'FACE_ALBUM_FFMPEG';

const found = new Map<string, Promise<FfmpegBinary>>();

/**
 * Finds ffmpeg: the path in FACE_ALBUM_FFMPEG, else the binary of the optional `@ffmpeg-installer/ffmpeg`
 * package. It is only ever run as a separate process (the package's build is GPLv3; nothing is linked).
 * Checked once per process by running `-version`.
 */
export function findFfmpeg(env: NodeJS.ProcessEnv = process.env): Promise<FfmpegBinary> {
  const setting = env[FFMPEG_SETTING]?.trim() ?? '';
  let pending = found.get(setting);
  if (!pending) {
    pending = locate(setting);
    found.set(setting, pending);
  }
  return pending;
}

async function locate(setting: string): Promise<FfmpegBinary> {
  let path = setting;
  if (!path) {
    try {
      path = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    } catch {
      return {
        ok: false,
        reason: `no ffmpeg: the optional package @ffmpeg-installer/ffmpeg is not installed and ${FFMPEG_SETTING} is not set`,
      };
    }
  }
  try {
    const { stdout } = await run(path, ['-hide_banner', '-version'], { timeout: 10_000 });
    const version = /ffmpeg version (\S+)/.exec(stdout)?.[1] ?? 'unknown';
    return { ok: true, path, version };
  } catch (err) {
    return {
      ok: false,
      reason: `ffmpeg at ${path}${setting ? ` (${FFMPEG_SETTING})` : ''} does not run: ${(err as Error).message.split('\n')[0]}`,
    };
  }
}
