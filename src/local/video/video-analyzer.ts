import { stat } from 'node:fs/promises';
import type { Box } from '../../album/types';
import type { Logger } from '../../log/logger';
import { type FaceEngine, ImageRejectedError } from '../engine/face-engine';
import type { FaceThumbnails } from '../media/face-thumbnails';
import { type FfmpegBinary, findFfmpeg } from './ffmpeg-binary';
import { collapseVideoFaces, DEFAULT_COLLAPSE, type FrameFace, type VideoFace } from './video-faces';
import { type FrameSampling, sampleFrames } from './video-frames';
import { displaySize, probeVideo } from './video-probe';

/** A video's analysis: a few representative faces per person seen, with when. */
export interface AnalyzedVideo {
  width: number;
  height: number;
  takenAt: string | null;
  durationSeconds: number | null;
  faces: VideoFace[];
  /** Frames analysed, and seconds between them. */
  frames: number;
  interval: number;
}

/** Videos cannot be analysed on this machine at all (no ffmpeg): not the video's fault, so not remembered by content. */
export class VideoUnavailableError extends Error {
  override readonly name = 'VideoUnavailableError';
}

export interface VideoLimits {
  /** Frames analysed per video at most: a long video is sampled more sparsely, never more. */
  maxFrames: number;
  /** Seconds between samples at least (1: one frame a second). */
  minInterval: number;
  /** Long side of an analysed frame (4K is scaled down inside ffmpeg). */
  maxSide: number;
  /** Wall-clock bound of one decoding run. */
  maxWallMs: number;
}

export const DEFAULT_VIDEO_LIMITS: VideoLimits = {
  maxFrames: 120,
  minInterval: 1,
  // The engine detects on a copy ≤ 1280 px long anyway; a bigger frame only costs JPEG work.
  maxSide: 1280,
  maxWallMs: 180_000,
};

const round = (b: Box): Box => ({
  left: Math.round(b.left),
  top: Math.round(b.top),
  width: Math.round(b.width),
  height: Math.round(b.height),
});

/**
 * Analyses one video: ffmpeg (a separate process) samples frames, the face engine describes them one at
 * a time (so photos indexed meanwhile share the engine's workers instead of queueing behind a video),
 * and the frame faces collapse into a few per person (video-faces.ts). Crops of the kept faces and a
 * poster are cut now, from the frames, and kept with the face thumbnails.
 */
export class VideoAnalyzer {
  constructor(
    private readonly deps: {
      engine: () => Promise<FaceEngine>;
      stills: FaceThumbnails;
      env?: NodeJS.ProcessEnv;
      limits?: Partial<VideoLimits>;
    },
  ) {}

  ffmpeg(): Promise<FfmpegBinary> {
    return findFfmpeg(this.deps.env ?? process.env);
  }

  async analyze(path: string, hash: string, log: Logger): Promise<AnalyzedVideo> {
    const ff = await this.ffmpeg();
    if (!ff.ok) throw new VideoUnavailableError(ff.reason);
    const limits = { ...DEFAULT_VIDEO_LIMITS, ...this.deps.limits };
    if ((await stat(path)).size === 0) throw new ImageRejectedError('empty', 'zero-byte file');
    const probe = await probeVideo(ff.path, path);
    const shown = displaySize(probe);
    const engine = await this.deps.engine();

    const faces: FrameFace[] = [];
    const framesWithFaces = new Map<number, Buffer>();
    let firstFrame: Buffer | null = null;
    let firstFaceFrame: Buffer | null = null;
    let frameWidth = 0;
    let analysed = 0;
    const seen: number[] = [];
    const take = async (frame: { timeSeconds: number; jpeg: Buffer }, interval: number) => {
      // A second pass skips what the first one already looked at.
      if (seen.some((t) => Math.abs(t - frame.timeSeconds) < interval / 2)) return;
      seen.push(frame.timeSeconds);
      firstFrame ??= frame.jpeg;
      let result: Awaited<ReturnType<FaceEngine['analyze']>>;
      try {
        result = await engine.analyze({ bytes: frame.jpeg });
      } catch (err) {
        // One bad frame (a decoding glitch) is not the video's end.
        if (err instanceof ImageRejectedError) return;
        throw err;
      }
      analysed++;
      frameWidth = result.width;
      // Boxes in the video's own (upright) pixels, as a photo's are in the photo's.
      const k = shown.width / result.width;
      for (const f of result.faces) {
        const box = {
          left: f.box.left * k,
          top: f.box.top * k,
          width: f.box.width * k,
          height: f.box.height * k,
        };
        faces.push({ ...f, box, timeSeconds: round3(frame.timeSeconds) });
        framesWithFaces.set(round3(frame.timeSeconds), frame.jpeg);
      }
      if (result.faces.length) firstFaceFrame ??= frame.jpeg;
    };

    const duration = probe.durationSeconds;
    let interval = Math.max(limits.minInterval, (duration ?? limits.maxFrames) / limits.maxFrames);
    const sampling = (keyframesOnly: boolean): FrameSampling => ({
      interval,
      maxFrames: limits.maxFrames,
      maxSide: limits.maxSide,
      maxWallMs: limits.maxWallMs,
      keyframesOnly,
    });
    // Keyframes first: phone video has one every second or two, and skipping the others makes decoding
    // several times cheaper. A video with sparse keyframes gets a second, full decoding pass.
    const fast = await sampleFrames(ff.path, path, sampling(true), (f) => take(f, interval));
    let last = fast;
    let end = fast.lastTime;
    const expected = (span: number) => Math.min(limits.maxFrames, Math.floor(span / interval) + 1);
    if (fast.stopped === null && (duration === null || end === null || end + 2 * interval < duration)) {
      // Frames ended early: the container overstates the duration (a 2 h header over 3 s), or the file is
      // cut short. What is there is sampled at the rate its real length deserves.
      if (end !== null && duration !== null) {
        log.warn('video.shorter_than_container', { path, containerSeconds: duration, framesUntil: end });
        interval = Math.max(limits.minInterval, end / limits.maxFrames);
      }
    }
    if (fast.stopped === null && seen.length < expected(end ?? duration ?? 0) / 2) {
      last = await sampleFrames(ff.path, path, sampling(false), (f) => take(f, interval));
      end = Math.max(end ?? 0, last.lastTime ?? 0);
    }
    if (!seen.length)
      throw new ImageRejectedError(
        'corrupt',
        `no frame could be decoded${last.error ? `: ${last.error}` : ''}`,
      );
    if (last.stopped === 'max_wall' || fast.stopped === 'max_wall')
      log.warn('video.decode_time_bound', { path, maxWallMs: limits.maxWallMs, analysedUntil: end });

    const kept = collapseVideoFaces(faces, { ...DEFAULT_COLLAPSE, interval });
    const k = frameWidth ? shown.width / frameWidth : 1;
    for (const f of kept) {
      const frame = framesWithFaces.get(f.timeSeconds);
      if (!frame) continue;
      const frameBox = {
        left: f.box.left / k,
        top: f.box.top / k,
        width: f.box.width / k,
        height: f.box.height / k,
      };
      await this.deps.stills.keepFromFrame(hash, round(f.box), frame, frameBox).catch(() => undefined);
    }
    // The poster: the first frame with a face (what the person's list is about), else the first frame.
    const poster = firstFaceFrame ?? firstFrame;
    if (poster) await this.deps.stills.keepPoster(hash, poster);
    // The container's length, unless the frames showed it holds less.
    const observed = end !== null && duration !== null && end + 2 * interval < duration ? end : duration;
    return {
      width: shown.width,
      height: shown.height,
      takenAt: probe.creationTime,
      durationSeconds: (observed ?? end) || null,
      faces: kept,
      frames: analysed,
      interval,
    };
  }
}

const round3 = (t: number) => Math.round(t * 1000) / 1000;
