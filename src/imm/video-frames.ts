/**
 * Videos on IMM: IMM's face template works on images only (video-facts.md), so a video is analysed
 * through frames that IMM captures into a hidden prefix of the same bucket and that are indexed into
 * the album's dataset like photos, each carrying its video and time in CustomLabels. This module
 * holds the naming and sampling rules the indexer and the API share.
 */

import { FRAME_PREFIX, mediaTypeOfKey } from '../album/photo-filter';

/**
 * Frames live under FRAME_PREFIX: outside PHOTO_PREFIX (unless it is empty), so the OSS trigger filtered
 * on it never sees a frame; classifyPhotoKey also refuses the prefix by name, for deployments where it would.
 */
export { FRAME_PREFIX };

/** Videos go to frame capture; the suffix rule is the album's (photo-filter). */
export const isVideoKey = (key: string): boolean => mediaTypeOfKey(key) === 'video';

/** CustomLabels of a frame file (keys without dots: SimpleQuery field paths are dotted). */
export const LABEL = {
  video: 'album_video',
  time: 'album_time',
  step: 'album_step',
  duration: 'album_duration',
  takenAt: 'album_taken_at',
  width: 'album_width',
  height: 'album_height',
} as const;

export const isFrameKey = (key: string): boolean => key.startsWith(FRAME_PREFIX);

/** The folder of one video's frames: the video's key under FRAME_PREFIX, ending with `/`. */
export const frameDir = (videoKey: string): string => `${FRAME_PREFIX}${videoKey}/`;

/** A frame's key: its time in milliseconds, zero-padded so the frames of a video sort by time. */
export const frameKey = (videoKey: string, seconds: number): string =>
  `${frameDir(videoKey)}${String(Math.round(seconds * 1000)).padStart(9, '0')}.jpg`;

export interface FrameSampling {
  /** At most this many frames per video (each is an IMM snapshot and an indexed image: both billed). */
  maxFrames: number;
  /** At least this many seconds between frames. */
  minStepSeconds: number;
}

export const DEFAULT_SAMPLING: FrameSampling = { maxFrames: 30, minStepSeconds: 2 };

export interface FramePlan {
  /** Frame times in seconds, in the middle of equal slices of the video. */
  times: number[];
  /** The slice each frame stands for: a face seen at t appears over [t - step/2, t + step/2]. */
  step: number;
}

/**
 * Equal slices of the video, one frame in the middle of each: a 10 s clip gives 5 frames (1, 3, 5, 7, 9 s),
 * a 10 min clip 30 frames 20 s apart. Null when the duration is not a positive number.
 */
export function planFrames(
  durationSeconds: number,
  sampling: FrameSampling = DEFAULT_SAMPLING,
): FramePlan | null {
  if (!Number.isFinite(durationSeconds) || durationSeconds <= 0) return null;
  const step0 = Math.max(sampling.minStepSeconds, durationSeconds / sampling.maxFrames);
  const count = Math.max(1, Math.min(sampling.maxFrames, Math.floor(durationSeconds / step0)));
  const step = durationSeconds / count;
  const times = Array.from({ length: count }, (_, i) => Math.round((i + 0.5) * step * 1000) / 1000);
  return { times, step: Math.round(step * 1000) / 1000 };
}

export interface Span {
  fromSeconds: number;
  toSeconds: number;
}

/** Merged spans of the frames a person is seen on: touching or overlapping slices become one span. */
export function mergeAppearances(times: number[], step: number, duration: number | null): Span[] {
  const spans: Span[] = [];
  const half = step / 2;
  for (const t of [...new Set(times)].sort((a, b) => a - b)) {
    const from = Math.max(0, round(t - half));
    const to = round(duration !== null ? Math.min(duration, t + half) : t + half);
    const last = spans.at(-1);
    if (last && from <= last.toSeconds + 1e-3) last.toSeconds = Math.max(last.toSeconds, to);
    else spans.push({ fromSeconds: from, toSeconds: to });
  }
  return spans;
}

const round = (v: number) => Math.round(v * 1000) / 1000;
