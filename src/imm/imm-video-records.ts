import { FRAME_PREFIX, ossUri, parseOssUri } from '../album/photo-filter';
import type { FaceRecord, PhotoRecord } from '../album/types';
import { toPhoto } from './imm-records';
import type { ImmFile } from './imm-wire';
import { frameKey, LABEL, mergeAppearances } from './video-frames';

/** IMM frame files → the album's video records (pure, like imm-records.ts). */

export interface FrameRef {
  videoUri: string;
  timeSeconds: number;
}

/** The video and time a frame stands for, read from its name (`.album-frames/<video key>/<ms>.jpg`). */
export function frameOf(uri: string): FrameRef | null {
  const at = parseOssUri(uri);
  if (!at?.key.startsWith(FRAME_PREFIX)) return null;
  const rest = at.key.slice(FRAME_PREFIX.length);
  const slash = rest.lastIndexOf('/');
  const ms = /^(\d+)\.jpg$/.exec(rest.slice(slash + 1));
  if (slash <= 0 || !ms) return null;
  return { videoUri: ossUri(at.bucket, rest.slice(0, slash)), timeSeconds: Number(ms[1]) / 1000 };
}

/** The frame captured from `videoUri` at `timeSeconds` (the inverse of frameOf). */
export function frameUriOf(videoUri: string, timeSeconds: number): string | null {
  const at = parseOssUri(videoUri);
  return at ? ossUri(at.bucket, frameKey(at.key, timeSeconds)) : null;
}

/** The prefix every frame URI of a bucket starts with. */
export const framesUriPrefix = (bucket: string): string => ossUri(bucket, FRAME_PREFIX);

const num = (v: string | undefined): number | null =>
  v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : null;

/**
 * One video from its frame files: every face on them with the time it was seen, and the merged spans in
 * which `personId` is seen (null: anyone with a face on a frame). Sizes, duration and date come from the
 * labels the indexer put on every frame.
 */
export function toVideo(videoUri: string, frames: ImmFile[], personId: string | null): PhotoRecord {
  const labels = frames[0]?.CustomLabels ?? {};
  const duration = num(labels[LABEL.duration]);
  const faces: FaceRecord[] = [];
  const seen: number[] = [];
  for (const frame of frames) {
    const t = frameOf(frame.URI)?.timeSeconds ?? num(frame.CustomLabels?.[LABEL.time]);
    if (t === null) continue;
    for (const face of toPhoto(frame).faces) {
      faces.push({ ...face, timeSeconds: t });
      if (personId === null || face.personId === personId) seen.push(t);
    }
  }
  const step = num(labels[LABEL.step]) ?? 2;
  const positive = (v: number | null) => (v !== null && v > 0 ? Math.round(v) : null);
  return {
    uri: videoUri,
    width: positive(num(labels[LABEL.width])),
    height: positive(num(labels[LABEL.height])),
    takenAt: labels[LABEL.takenAt] || null,
    faces: faces.sort((a, b) => (a.timeSeconds ?? 0) - (b.timeSeconds ?? 0)),
    mediaType: 'video',
    durationSeconds: duration !== null && duration > 0 ? duration : null,
    appearances: mergeAppearances(seen, step, duration),
  };
}
