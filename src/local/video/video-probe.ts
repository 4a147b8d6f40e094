import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { ImageRejectedError } from '../engine/face-engine';

/** What the container says about a video (ffmpeg's input summary). */
export interface VideoProbe {
  /** Container duration; null when it does not say (then only the frames tell). */
  durationSeconds: number | null;
  codec: string;
  /** Coded size, before rotation. */
  width: number;
  height: number;
  /** Degrees the player turns the picture (phone clips shot upright say 90 or -90). */
  rotation: number;
  /** The container's creation time (ISO), when it has one. */
  creationTime: string | null;
}

const PROBE_TIMEOUT_MS = 20_000;

/** Size as shown: a quarter turn swaps the sides. */
export function displaySize(p: VideoProbe): { width: number; height: number } {
  return Math.abs(p.rotation) % 180 === 90
    ? { width: p.height, height: p.width }
    : { width: p.width, height: p.height };
}

/**
 * Reads the container summary ffmpeg prints for its input (`ffmpeg -i file`, no output), so only the
 * one ffmpeg binary is needed. Throws ImageRejectedError for what will never decode.
 */
export async function probeVideo(ffmpeg: string, path: string): Promise<VideoProbe> {
  const stderr = await new Promise<string>((resolve, reject) => {
    const child = spawn(ffmpeg, ['-hide_banner', '-nostdin', '-i', path], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let text = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (text.length < 256 * 1024) text += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
  // ffmpeg names the file by its path: reasons carry the file name only (they are shown and logged).
  return parseProbe(stderr.split(path).join(basename(path)));
}

export function parseProbe(text: string): VideoProbe {
  if (!/^Input #0/m.test(text)) {
    const why = text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1);
    throw new ImageRejectedError('corrupt', `not a readable video: ${why ?? 'ffmpeg could not open it'}`);
  }
  const video = /Stream #0:\d+.*?: Video: (\w+)[^\n]*?, (\d{1,5})x(\d{1,5})/.exec(text);
  if (!video) {
    if (/Stream #0:\d+.*?: Audio:/.test(text))
      throw new ImageRejectedError('unsupported', 'audio only: the file has no video stream');
    throw new ImageRejectedError('corrupt', 'no video stream with a picture size');
  }
  const d = /Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/.exec(text);
  const durationSeconds = d ? Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]) : null;
  const rotate = /rotate\s*:\s*(-?\d+)/.exec(text) ?? /rotation of (-?[\d.]+) degrees/.exec(text);
  const created = /creation_time\s*:\s*(\S+)/.exec(text);
  return {
    durationSeconds: durationSeconds && durationSeconds > 0 ? durationSeconds : null,
    codec: video[1]!,
    width: Number(video[2]),
    height: Number(video[3]),
    rotation: rotate ? Math.round(Number(rotate[1])) : 0,
    creationTime:
      created && !Number.isNaN(Date.parse(created[1]!)) ? new Date(created[1]!).toISOString() : null,
  };
}
