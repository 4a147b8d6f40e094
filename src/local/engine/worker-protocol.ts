import type { DescriptorAlignment, RecognitionInfo, RecognitionRuntime, StageTimings } from './face-analyzer';
import type { AnalyzedPhoto, EngineInput, ImageRejectedError } from './face-engine';

/** Messages between the engine (parent) and an engine-worker process (IPC with 'advanced' serialization). */
export interface WorkerSettings {
  maxPixels: number;
  detectMaxSide: number;
  meshMaxSide: number;
  descriptorAlignment?: DescriptorAlignment;
  descriptorFlip?: boolean;
  secondEmbedding?: boolean;
  recognitionRuntime?: RecognitionRuntime;
  modelCacheDir?: string;
}

export type ParentMessage = { type: 'analyze'; id: number; input: EngineInput } | { type: 'exit' };

export type WorkerMessage =
  | { type: 'ready'; loadMs: number; recognition: RecognitionInfo }
  | { type: 'fatal'; message: string }
  | { type: 'result'; id: number; photo: AnalyzedPhoto; timings: StageTimings; rss: number }
  | { type: 'rejected'; id: number; reason: ImageRejectedError['reason']; message: string; rss: number }
  | { type: 'failed'; id: number; message: string; rss: number };

export const WORKER_SETTINGS_ENV = 'FACE_ENGINE_WORKER_SETTINGS';
