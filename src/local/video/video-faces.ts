import { boxIou } from '../../album/box-overlap';
import type { Appearance } from '../../album/types';
import type { DetectedFace } from '../engine/face-engine';

/** A face the engine found on one sampled frame of a video. */
export interface FrameFace extends DetectedFace {
  timeSeconds: number;
}

/** One representative face of a video: which track (presumed person) it stands for, and that track's spans. */
export interface VideoFace extends FrameFace {
  track: number;
  spans: Appearance[];
}

export interface CollapseOptions {
  /** Faces of one video closer than this (euclidean, face-api 128-d) are taken as one person. */
  sameTrackDistance: number;
  /** Representative faces kept per track. */
  perTrack: number;
  /**
   * Faces in neighbouring samples (≤ 1.5 intervals apart) whose boxes overlap at least this much
   * (intersection over union) are one person if also closer than `continuityDistance`.
   */
  continuityOverlap: number;
  /** The looser distance a face at the same place in the next sample may be from the last one. */
  continuityDistance: number;
  /** Seconds between sampled frames: two sightings further apart than 1.5× this are separate spans. */
  interval: number;
}

export const DEFAULT_COLLAPSE: Omit<CollapseOptions, 'interval'> = {
  // Well under the album's founding threshold (0.52): frames of one person in one clip sit far closer
  // (same light, same day) than photos of them do; two people in one clip must stay apart.
  sameTrackDistance: 0.45,
  perTrack: 3,
  // The engine's box and landmarks can jump between two near-identical frames (two samples of one still
  // in the quality bench: PSNR 48 dB, box 274 → 333 px, the descriptors 0.49 apart), and such a frame
  // alone is far from its own track's average. Where the face stays (boxes overlapping by half) from one
  // sample to the next, the album's own merge threshold (0.52) decides instead of the stricter 0.45.
  continuityOverlap: 0.5,
  continuityDistance: 0.52,
};

function distance(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return Math.sqrt(s);
}

interface Track {
  faces: FrameFace[];
  times: Set<number>;
}

/**
 * Collapses a video's many frame faces into a few per person: faces are grouped into tracks (one person
 * in this video) by average distance, never two faces of one frame in one track, and tracks one face
 * continues into from one sample to the next are joined (mergeContinuousTracks); each track keeps its
 * best face first (the one the clusterer compares: every face of a track shares one person) and up to
 * `perTrack - 1` more spread in time, and carries the merged spans it was seen in.
 */
export function collapseVideoFaces(faces: FrameFace[], opts: CollapseOptions): VideoFace[] {
  const tracks: Track[] = [];
  const meanDistance = (t: Track, f: FrameFace) =>
    t.faces.reduce((s, g) => s + distance(g.embedding, f.embedding), 0) / t.faces.length;
  // Best faces first: a track is started by a good face, and blurred ones join the nearest good one.
  for (const face of [...faces].sort((a, b) => b.quality - a.quality)) {
    let best: Track | null = null;
    let bestDistance = opts.sameTrackDistance;
    for (const t of tracks) {
      if (t.times.has(face.timeSeconds)) continue;
      const d = meanDistance(t, face);
      if (d < bestDistance) {
        best = t;
        bestDistance = d;
      }
    }
    if (best) {
      best.faces.push(face);
      best.times.add(face.timeSeconds);
    } else tracks.push({ faces: [face], times: new Set([face.timeSeconds]) });
  }
  mergeContinuousTracks(tracks, opts);
  const out: VideoFace[] = [];
  tracks
    // Tracks in order of first sighting, so face indexes read along the video.
    .map((t) => ({ t, first: Math.min(...t.times) }))
    .sort((a, b) => a.first - b.first)
    .forEach(({ t }, track) => {
      const spans = mergeSpans([...t.times], opts.interval);
      for (const f of representatives(t.faces, opts.perTrack)) out.push({ ...f, track, spans });
    });
  return out;
}

/**
 * Joins tracks that one face continues into the other: never seen in one frame, and a face of one in
 * the sample next to a face of the other, at the same place (boxes overlapping by `continuityOverlap`)
 * and closer than `continuityDistance`. Otherwise a face the engine read badly on a few frames starts a
 * track of its own, compared by that bad reading, which may lie nearer another person than its own (the
 * Duhalde clip of the quality bench, docs/videos.md).
 */
function mergeContinuousTracks(tracks: Track[], opts: CollapseOptions): void {
  const continues = (a: Track, b: Track) =>
    ![...a.times].some((t) => b.times.has(t)) &&
    a.faces.some((f) =>
      b.faces.some(
        (g) =>
          Math.abs(f.timeSeconds - g.timeSeconds) <= opts.interval * 1.5 &&
          boxIou(f.box, g.box) >= opts.continuityOverlap &&
          distance(f.embedding, g.embedding) < opts.continuityDistance,
      ),
    );
  for (let merged = true; merged; ) {
    merged = false;
    for (let i = 0; i < tracks.length && !merged; i++)
      for (let j = i + 1; j < tracks.length && !merged; j++)
        if (continues(tracks[i]!, tracks[j]!)) {
          const [a, b] = [tracks[i]!, tracks[j]!];
          a.faces.push(...b.faces);
          for (const t of b.times) a.times.add(t);
          tracks.splice(j, 1);
          merged = true;
        }
  }
}

/** The best face, then the best of the rest that are furthest in time from those already kept. */
function representatives(faces: FrameFace[], n: number): FrameFace[] {
  const byQuality = [...faces].sort((a, b) => b.quality - a.quality || a.timeSeconds - b.timeSeconds);
  const kept = [byQuality[0]!];
  const times = faces.map((f) => f.timeSeconds);
  const minGap = (Math.max(...times) - Math.min(...times)) / (n * 2);
  for (const f of byQuality.slice(1)) {
    if (kept.length >= n) break;
    if (kept.every((k) => Math.abs(k.timeSeconds - f.timeSeconds) > minGap)) kept.push(f);
  }
  return kept;
}

/** Sighting times into spans: consecutive samples (≤ 1.5 intervals apart) are one span. */
export function mergeSpans(times: number[], interval: number): Appearance[] {
  const sorted = [...new Set(times)].sort((a, b) => a - b);
  const spans: Appearance[] = [];
  for (const t of sorted) {
    const last = spans.at(-1);
    if (last && t - last.toSeconds <= interval * 1.5) last.toSeconds = t;
    else spans.push({ fromSeconds: t, toSeconds: t });
  }
  return spans;
}

/** Unions span lists (several tracks of one person in one video) into merged, ordered spans. */
export function unionSpans(lists: Appearance[][]): Appearance[] {
  const all = lists.flat().sort((a, b) => a.fromSeconds - b.fromSeconds);
  const out: Appearance[] = [];
  for (const s of all) {
    const last = out.at(-1);
    if (last && s.fromSeconds <= last.toSeconds) last.toSeconds = Math.max(last.toSeconds, s.toSeconds);
    else out.push({ ...s });
  }
  return out;
}
