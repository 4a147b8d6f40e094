import type { FaceAttributes } from '../../album/face-attributes';
import type { Box, Gender, HeadPose } from '../../album/types';
import type { Logger } from '../../log/logger';

/**
 * The local face engine's contract (implemented in this folder; consumed by the local backend).
 * Coordinates are pixels of the EXIF-oriented image at full resolution.
 */
export interface DetectedFace {
  /** Tight face box (landmark extent, see README "face box") — the box the 75 px rule is measured on. */
  box: Box;
  confidence: number;
  /** Degrees. */
  headPose: HeadPose;
  age: number | null;
  gender: Gender | null;
  /** [0,1]: falls with blur and low resolution (definition in README). */
  quality: number;
  /** [0,1] sharpness component of quality. */
  sharpness: number;
  /** Emotion, mouth and eyes where readable (face-attribute-reader.ts); absent keys: not told. */
  attributes: FaceAttributes;
  /** Identity embedding (face-api recognition net, 128-d; compare with euclidean distance). */
  embedding: Float32Array;
  /**
   * Second identity embedding: Human's faceres vector (1024-d, unit length; compare with euclidean distance) of
   * Human's own rotation-corrected face crop. Fused with `embedding` it places fewer strangers into people
   * (docs/clustering-quality.md). Present on every face the engine returns; absent only in analyses made before it
   * existed (or by benchmarks that switch it off).
   */
  second?: Float32Array;
}

export interface AnalyzedPhoto {
  width: number;
  height: number;
  /** EXIF DateTimeOriginal as ISO string when present. */
  takenAt: string | null;
  faces: DetectedFace[];
}

export type EngineInput = { path: string } | { bytes: Uint8Array };

/** Thrown for inputs that will never analyse (corrupt, not an image, zero bytes, too many pixels...). Not retried. */
export class ImageRejectedError extends Error {
  override readonly name = 'ImageRejectedError';
  constructor(
    readonly reason: 'empty' | 'not_an_image' | 'corrupt' | 'too_many_pixels' | 'missing' | 'unsupported',
    message: string,
  ) {
    super(message);
  }
}

/**
 * `interactive`: someone is waiting on the answer (a search, /detect). It goes ahead of queued indexing
 * work and does not wait for queue space; callers bound how many they send (engine-gate.ts).
 */
export interface AnalyzeOptions {
  interactive?: boolean;
}

export interface FaceEngine {
  analyze(input: EngineInput, opts?: AnalyzeOptions): Promise<AnalyzedPhoto>;
  /** Number of parallel workers actually running. */
  readonly concurrency: number;
  close(): Promise<void>;
}

export interface FaceEngineOptions {
  /** Worker processes; default: number of cores. */
  workers?: number;
  /** Reject images above this many pixels before decoding (decompression bombs). Default 100 MP. */
  maxPixels?: number;
  /** Long side of the working copy the image is downscaled to. Default 1280. */
  detectMaxSide?: number;
  /** Worker start, recycle and crash events. */
  log?: Logger;
}
