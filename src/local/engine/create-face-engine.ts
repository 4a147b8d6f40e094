import os from 'node:os';
import {
  DEFAULT_MESH_MAX_SIDE,
  type DescriptorAlignment,
  FaceAnalyzer,
  type RecognitionInfo,
  type RecognitionRuntime,
  type StageTimings,
} from './face-analyzer';
import type {
  AnalyzedPhoto,
  AnalyzeOptions,
  EngineInput,
  FaceEngine,
  FaceEngineOptions,
} from './face-engine';
import { WorkerPool } from './worker-pool';

/** Options beyond the contract; all optional with defaults suited to a 2-core, few-GB machine. */
export interface LocalFaceEngineOptions extends FaceEngineOptions {
  /** Replace a worker after this many photos. Default 5000. */
  maxJobsPerWorker?: number;
  /** Replace a worker whose RSS ends a photo above this. Default 1500 MB. */
  maxWorkerRssMb?: number;
  /** V8 heap cap per worker (MB). Default 512; model weights and images live in WASM memory, outside it. */
  maxOldSpaceMb?: number;
  /** Long side of the copy Human detects on (default 1024, see face-analyzer.ts). */
  meshMaxSide?: number;
  /** Descriptor crop framing (default 'dlib-mesh': dlib's face chip; see face-analyzer.ts). */
  descriptorAlignment?: DescriptorAlignment;
  /** Average each face's descriptor with its mirror image's (see face-analyzer.ts). Default false. */
  descriptorFlip?: boolean;
  /** Human's faceres vector as DetectedFace.second (default true; false only for benchmarks, see face-analyzer.ts). */
  secondEmbedding?: boolean;
  /** Where the recognition net runs (default 'auto': onnxruntime-node if it loads, else tfjs-wasm). */
  recognitionRuntime?: RecognitionRuntime;
  /** Folder for the generated ONNX recognition model (default ~/.cache/face-album, see recognition-session.ts). */
  modelCacheDir?: string;
  /** Photos queued beyond the ones being analysed before analyze() callers wait. Default 2 × workers. */
  maxQueue?: number;
}

export interface AnalyzedWithTimings {
  photo: AnalyzedPhoto;
  timings: StageTimings;
}

/** The engine plus introspection for benchmarks; `workers: 0` runs the pipeline in the calling process. */
export interface LocalFaceEngine extends FaceEngine {
  analyzeWithTimings(input: EngineInput, opts?: AnalyzeOptions): Promise<AnalyzedWithTimings>;
  /** Worker process ids (empty when running in-process). */
  workerPids(): number[];
  /** Which runtime computes descriptors (null only before a worker has started). */
  recognition(): RecognitionInfo | null;
}

export const DEFAULT_MAX_PIXELS = 100_000_000;
/**
 * Long side of the working copy (chips, quality crops); detection and the mesh run on a ≤ 1024 copy anyway.
 * 1280 rather than 1600: 2 MP photos index at 13 instead of 8.5 photos/s on 2 cores (bench:index), and a face
 * still needs only ~100 px here for a full-detail 150 px chip.
 */
export const DEFAULT_DETECT_MAX_SIDE = 1280;

const RUNTIME_ENV = 'FACE_ENGINE_RECOGNITION';
const RUNTIMES: readonly RecognitionRuntime[] = ['auto', 'onnx', 'tfjs'];

/** FACE_ENGINE_RECOGNITION=auto|onnx|tfjs picks the runtime for a whole command (e.g. a before/after `scan`). */
function runtimeFromEnv(): RecognitionRuntime | undefined {
  const v = process.env[RUNTIME_ENV];
  if (v === undefined || v === '') return undefined;
  const found = RUNTIMES.find((r) => r === v);
  if (!found) throw new Error(`${RUNTIME_ENV}=${v}: expected one of ${RUNTIMES.join(', ')}`);
  return found;
}

export async function createFaceEngine(opts: LocalFaceEngineOptions = {}): Promise<LocalFaceEngine> {
  const recognitionRuntime = opts.recognitionRuntime ?? runtimeFromEnv();
  const settings = {
    maxPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS,
    detectMaxSide: opts.detectMaxSide ?? DEFAULT_DETECT_MAX_SIDE,
    meshMaxSide: opts.meshMaxSide ?? DEFAULT_MESH_MAX_SIDE,
    ...(opts.descriptorAlignment ? { descriptorAlignment: opts.descriptorAlignment } : {}),
    ...(opts.descriptorFlip ? { descriptorFlip: true } : {}),
    ...(opts.secondEmbedding === false ? { secondEmbedding: false } : {}),
    ...(recognitionRuntime ? { recognitionRuntime } : {}),
    ...(opts.modelCacheDir ? { modelCacheDir: opts.modelCacheDir } : {}),
  };
  const workers = opts.workers ?? os.availableParallelism();

  if (workers === 0) {
    const analyzer = await FaceAnalyzer.create(settings);
    opts.log?.info('face_engine.recognition_runtime', { ...analyzer.recognition });
    let closed = false;
    const run = async (input: EngineInput) => {
      if (closed) throw new Error('face engine is closed');
      const { photo, timings } = await analyzer.analyze(input);
      return { photo, timings };
    };
    return {
      concurrency: 1,
      analyze: async (input) => (await run(input)).photo,
      analyzeWithTimings: run,
      workerPids: () => [],
      recognition: () => analyzer.recognition,
      close: async () => {
        closed = true;
      },
    };
  }

  const pool = new WorkerPool({
    size: workers,
    settings,
    maxJobsPerWorker: opts.maxJobsPerWorker ?? 5000,
    maxRssBytes: (opts.maxWorkerRssMb ?? 1500) * 1024 * 1024,
    maxOldSpaceMb: opts.maxOldSpaceMb ?? 512,
    maxQueue: opts.maxQueue ?? 2 * workers,
    log: opts.log,
  });
  try {
    await pool.start();
  } catch (err) {
    await pool.close();
    throw err;
  }
  return {
    concurrency: pool.size,
    analyze: async (input, analyzeOpts) => (await pool.run(input, analyzeOpts)).photo,
    analyzeWithTimings: async (input, analyzeOpts) => {
      const { photo, timings } = await pool.run(input, analyzeOpts);
      return { photo, timings };
    },
    workerPids: () => pool.pids(),
    recognition: () => pool.recognition(),
    close: () => pool.close(),
  };
}
