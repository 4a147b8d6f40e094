/**
 * face-api's recognition and age/gender nets on onnxruntime-node (an optional dependency). Each ONNX model is
 * generated from face-api's weights on first use and kept in a cache folder, named after the weights' hash and the
 * generator's version, so a new face-api or a changed generator makes a new file and a stale one is never read.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {
  AGE_GENDER_GRAPH_VERSION,
  AGE_GENDER_INPUT,
  AGE_GENDER_MANIFEST,
  AGE_GENDER_SIDE,
  ageGenderModel,
} from './age-gender-graph';
import {
  RECOGNITION_GRAPH_VERSION,
  RECOGNITION_INPUT,
  RECOGNITION_MANIFEST,
  RECOGNITION_OUTPUT,
  RECOGNITION_SIDE,
  recognitionModel,
} from './recognition-graph';
import { readTfjsWeights, type Weights } from './tfjs-weights';

type Ort = typeof import('onnxruntime-node');

const require = createRequire(import.meta.url);
const DESCRIPTOR_LENGTH = 128;

export function faceApiModelDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

/** $FACE_ALBUM_CACHE, else $XDG_CACHE_HOME/face-album, else ~/.cache/face-album. */
export function defaultModelCacheDir(): string {
  return (
    process.env.FACE_ALBUM_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'face-album')
  );
}

/** The cached model's path, generating it first when absent (written to a temp name, then renamed: atomic). */
export function cachedModelFile(
  cacheDir: string,
  name: string,
  manifest: string,
  version: number,
  build: (w: Weights) => Uint8Array,
): string {
  const dir = faceApiModelDir();
  const json = readFileSync(path.join(dir, manifest));
  const hash = createHash('sha256').update(json);
  for (const g of JSON.parse(json.toString('utf8')) as { paths: string[] }[]) {
    for (const p of g.paths) hash.update(readFileSync(path.join(dir, p)));
  }
  const file = path.join(cacheDir, `${name}-v${version}-${hash.digest('hex').slice(0, 16)}.onnx`);
  if (!existsSync(file)) {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, build(readTfjsWeights(dir, manifest)));
    renameSync(tmp, file);
  }
  return file;
}

export interface OnnxNets {
  /** `chips`: n face chips, NHWC 150×150×3, pixel values 0–255, back to back. One descriptor per chip. */
  describe(chips: Float32Array, n: number): Promise<Float32Array[]>;
  /** `faces`: n crops, NHWC 112×112×3 (0–255). face-api's reading: male when P(male) > 0.5. */
  ageGender(faces: Float32Array, n: number): Promise<{ age: number; gender: 'male' | 'female' }[]>;
  /** The runtime's version, for the log line. */
  version: string;
}

/**
 * Sessions with one intra-op thread and spinning off: each engine worker is its own process, one per core, and
 * spinning threads on a 2-core machine made every op 3–4× slower (shared/docs/local-engine-notes.md).
 * Throws when onnxruntime-node is not installed or cannot load; the caller falls back to tfjs-wasm.
 */
export async function openOnnxNets(cacheDir: string): Promise<OnnxNets> {
  const ort = (await import('onnxruntime-node')) as Ort;
  const open = (file: string) =>
    ort.InferenceSession.create(file, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    });
  const recognition = await open(
    cachedModelFile(cacheDir, 'face-recognition', RECOGNITION_MANIFEST, RECOGNITION_GRAPH_VERSION, (w) =>
      recognitionModel(w),
    ),
  );
  const ageGender = await open(
    cachedModelFile(cacheDir, 'age-gender', AGE_GENDER_MANIFEST, AGE_GENDER_GRAPH_VERSION, ageGenderModel),
  );
  return {
    version: ort.env.versions?.node ?? 'unknown',
    describe: async (chips, n) => {
      const input = new ort.Tensor('float32', chips, [n, RECOGNITION_SIDE, RECOGNITION_SIDE, 3]);
      const out = await recognition.run({ [RECOGNITION_INPUT]: input });
      const data = out[RECOGNITION_OUTPUT]?.data as Float32Array;
      return Array.from({ length: n }, (_, i) =>
        data.slice(i * DESCRIPTOR_LENGTH, (i + 1) * DESCRIPTOR_LENGTH),
      );
    },
    ageGender: async (faces, n) => {
      const input = new ort.Tensor('float32', faces, [n, AGE_GENDER_SIDE, AGE_GENDER_SIDE, 3]);
      const out = await ageGender.run({ [AGE_GENDER_INPUT]: input });
      const age = out.age?.data as Float32Array;
      const gender = out.gender?.data as Float32Array;
      return Array.from({ length: n }, (_, i) => ({
        age: age[i]!,
        gender: gender[2 * i]! > 0.5 ? 'male' : 'female',
      }));
    },
  };
}
