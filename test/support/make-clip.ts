import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One stretch of a generated clip: a still photo (null: an empty grey frame) shown for `seconds`. */
export interface ClipSegment {
  image: string | null;
  seconds: number;
}

export interface ClipOptions {
  width: number;
  height: number;
  codec: 'h264' | 'hevc';
  fps?: number;
  /** Frames between keyframes (phones: about one a second). */
  gop?: number;
  /** Film grain on every frame, so the encoder and decoder work as on camera footage, not on a still. */
  noise?: boolean;
  /** Rotation metadata (a phone held upright stores a landscape picture and says "turn it 90°"). */
  rotate?: 90 | 270;
  /** Height of the photo inside the frame (default: half the frame). */
  photoHeight?: number;
}

/**
 * Makes a video with the installed ffmpeg from still photos (tests and benchmarks make their clips at
 * run time from the labelled faces-dev photos; none is stored in the project).
 */
export async function makeClip(
  ffmpeg: string,
  out: string,
  segments: ClipSegment[],
  o: ClipOptions,
): Promise<void> {
  const fps = o.fps ?? 30;
  const ph = o.photoHeight ?? Math.round(o.height / 2);
  const inputs: string[] = [];
  const chains: string[] = [];
  segments.forEach((s, i) => {
    if (s.image) inputs.push('-loop', '1', '-framerate', String(fps), '-t', String(s.seconds), '-i', s.image);
    else
      inputs.push(
        '-f',
        'lavfi',
        '-t',
        String(s.seconds),
        '-i',
        `color=c=gray:s=${o.width}x${o.height}:r=${fps}`,
      );
    chains.push(
      s.image
        ? `[${i}]scale=-2:${ph},pad=${o.width}:${o.height}:(ow-iw)/2:(oh-ih)/2:color=gray,setsar=1,fps=${fps},format=yuv420p[s${i}]`
        : `[${i}]setsar=1,format=yuv420p[s${i}]`,
    );
  });
  const concat = `${segments.map((_, i) => `[s${i}]`).join('')}concat=n=${segments.length}:v=1[c]`;
  // Stored as a phone stores an upright shot: the picture turned against the rotation the metadata asks for.
  const turn = o.rotate === 90 ? ',transpose=1' : o.rotate === 270 ? ',transpose=2' : '';
  const grain = `;[c]${o.noise ? 'noise=alls=12:allf=t+u' : 'null'}${turn}[v]`;
  const codec =
    o.codec === 'h264'
      ? ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23']
      : [
          '-c:v',
          'libx265',
          '-preset',
          'ultrafast',
          '-crf',
          '28',
          '-tag:v',
          'hvc1',
          '-x265-params',
          'log-level=error',
        ];
  await run(
    ffmpeg,
    [
      '-hide_banner',
      '-nostdin',
      '-y',
      ...inputs,
      '-filter_complex',
      `${chains.join(';')};${concat}${grain}`,
      '-map',
      '[v]',
      ...codec,
      '-g',
      String(o.gop ?? fps),
      '-pix_fmt',
      'yuv420p',
      o.rotate ? `${out}.unrotated.mp4` : out,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  // ffmpeg writes rotation metadata only when copying a stream, not when encoding one.
  if (o.rotate) {
    await run(ffmpeg, [
      '-hide_banner',
      '-nostdin',
      '-y',
      '-i',
      `${out}.unrotated.mp4`,
      '-c',
      'copy',
      '-metadata:s:v:0',
      `rotate=${o.rotate}`,
      out,
    ]);
    await rm(`${out}.unrotated.mp4`, { force: true });
  }
}

/** Joins clips of the same size and codec without encoding again (a long clip from short ones, quickly). */
export async function joinClips(ffmpeg: string, out: string, parts: string[]): Promise<void> {
  const list = `${out}.parts.txt`;
  await writeFile(list, parts.map((p) => `file '${p.replace(/'/g, "'\\''")}'`).join('\n'));
  await run(ffmpeg, [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    list,
    '-c',
    'copy',
    out,
  ]);
  await rm(list, { force: true });
}
