import { spawn } from 'node:child_process';

/** One sampled frame: a JPEG at most `maxSide` on its long side, and where in the video it is. */
export interface VideoFrame {
  timeSeconds: number;
  jpeg: Buffer;
}

export interface FrameSampling {
  /** Seconds between samples (at least). */
  interval: number;
  /** Frames taken at most; ffmpeg is stopped when reached. */
  maxFrames: number;
  /** Long side of a frame; bigger videos are scaled down inside ffmpeg, before anything leaves it. */
  maxSide: number;
  /** Wall-clock bound of one ffmpeg run; it is stopped then and the frames so far are kept. */
  maxWallMs: number;
  /** Decode keyframes only (fast: most frames are never decoded); a sample is then the next keyframe. */
  keyframesOnly: boolean;
}

export interface SampledFrames {
  frames: number;
  /** Why sampling stopped before the end of the video, if it did. */
  stopped: 'max_frames' | 'max_wall' | null;
  /** ffmpeg's last words when it failed without producing a frame. */
  error: string | null;
  lastTime: number | null;
}

const SOI = Buffer.from([0xff, 0xd8]);
const EOI = Buffer.from([0xff, 0xd9]);

/**
 * Runs ffmpeg once over a video and hands each sampled frame to `onFrame`, one at a time: ffmpeg is
 * paused (its pipe fills) while a frame is being analysed, so memory holds a few frames whatever the
 * video's length. Frames are upright (ffmpeg applies rotation metadata) and carry their presentation
 * time (from the showinfo filter, so variable frame rate is right).
 */
export function sampleFrames(
  ffmpeg: string,
  path: string,
  s: FrameSampling,
  onFrame: (frame: VideoFrame) => Promise<void>,
): Promise<SampledFrames> {
  const scale = `scale='if(gt(iw,ih),min(${s.maxSide},iw),-2)':'if(gt(iw,ih),-2,min(${s.maxSide},ih))'`;
  // A frame is kept when it is the first, or about `interval` after the last kept one (keyframes are not
  // evenly spaced: a keyframe a little early is better than skipping to the one after it).
  const gap = s.interval * (s.keyframesOnly ? 0.75 : 0.98);
  const select = `select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,${gap.toFixed(3)})'`;
  const args = [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-threads',
    '1',
    ...(s.keyframesOnly ? ['-skip_frame', 'nokey'] : []),
    '-i',
    path,
    '-map',
    '0:v:0',
    '-an',
    '-sn',
    '-dn',
    '-vf',
    `${select},${scale},showinfo`,
    '-vsync',
    '0',
    '-frames:v',
    String(s.maxFrames),
    '-f',
    'image2pipe',
    '-c:v',
    'mjpeg',
    '-q:v',
    '3',
    '-threads',
    '1',
    'pipe:1',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const times: number[] = [];
    const jpegs: Buffer[] = [];
    let pending: Buffer = Buffer.alloc(0);
    let frames = 0;
    let lastTime: number | null = null;
    let stopped: SampledFrames['stopped'] = null;
    let busy = false;
    let exited = false;
    let failure: Error | null = null;
    let tail = '';
    // ffmpeg's last lines other than the per-frame ones: its reason when it fails.
    const said: string[] = [];
    const timer = setTimeout(() => {
      stopped = 'max_wall';
      child.kill('SIGKILL');
    }, s.maxWallMs);

    const finish = () => {
      if (!exited || busy) return;
      clearTimeout(timer);
      if (failure) return reject(failure);
      // Frames whose time line never came (ffmpeg killed in between) are dropped: a face needs its time.
      if (frames >= s.maxFrames && stopped === null) stopped = 'max_frames';
      resolve({ frames, stopped, lastTime, error: frames === 0 ? said.join(' / ') || null : null });
    };
    const pump = async () => {
      if (busy) return;
      busy = true;
      try {
        while (jpegs.length && times.length) {
          const jpeg = jpegs.shift()!;
          const timeSeconds = times.shift()!;
          child.stdout.pause();
          await onFrame({ timeSeconds, jpeg });
          frames++;
          lastTime = timeSeconds;
        }
      } catch (err) {
        failure = err as Error;
        child.kill('SIGKILL');
      } finally {
        busy = false;
        if (!failure) child.stdout.resume();
        finish();
      }
    };

    child.stdout.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        const start = pending.indexOf(SOI);
        if (start < 0) break;
        const end = pending.indexOf(EOI, start + 2);
        if (end < 0) {
          if (start > 0) pending = pending.subarray(start);
          break;
        }
        jpegs.push(pending.subarray(start, end + 2));
        pending = pending.subarray(end + 2);
      }
      void pump();
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      tail += d;
      const lines = tail.split('\n');
      tail = lines.pop() ?? '';
      for (const line of lines) {
        const m = /showinfo.*\bn:\s*\d+\s+pts:\s*-?\d+\s+pts_time:(-?[\d.e+-]+)/.exec(line);
        if (m) times.push(Math.max(0, Number(m[1])));
        else if (line.trim() && !/showinfo/.test(line)) {
          said.push(line.trim());
          if (said.length > 3) said.shift();
        }
      }
      void pump();
    });
    child.on('error', (err) => {
      failure = err;
      exited = true;
      finish();
    });
    child.on('close', () => {
      exited = true;
      void pump();
      finish();
    });
  });
}
