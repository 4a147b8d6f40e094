/**
 * face-api's recognition and age/gender nets and Human's faceres on onnxruntime-node (an optional dependency). Each
 * ONNX model is generated from the package's tfjs weights on first use and kept in a cache folder, named after the
 * weights' hash and the generator's version, so a new package or a changed generator makes a new file and a stale
 * one is never read.
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
  FACERES_GRAPH_VERSION,
  FACERES_INPUT,
  FACERES_LENGTH,
  FACERES_MODEL_FILE,
  FACERES_OUTPUT,
  FACERES_SIDE,
  faceresModel,
  readFaceresGraph,
} from './faceres-graph';
import {
  RECOGNITION_GRAPH_VERSION,
  RECOGNITION_INPUT,
  RECOGNITION_MANIFEST,
  RECOGNITION_OUTPUT,
  RECOGNITION_SIDE,
  recognitionModel,
} from './recognition-graph';
import { readTfjsWeights, type WeightGroup, type Weights } from './tfjs-weights';

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

/** Human's models folder (blazeface, facemesh, emotion, faceres), next to its dist/. */
export function humanModelDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'models');
}

/**
 * The cached model's path, generating it first when absent (written to a temp name, then renamed: atomic).
 * `manifest`, in `modelDir`: a layers model's weights manifest (an array of groups) or a graph model's JSON
 * (groups under `weightsManifest`); it and every .bin it lists go into the hash.
 */
export function cachedModelFile(
  cacheDir: string,
  source: { modelDir: string; manifest: string },
  name: string,
  version: number,
  build: () => Uint8Array,
): string {
  const { modelDir, manifest } = source;
  const json = readFileSync(path.join(modelDir, manifest));
  const hash = createHash('sha256').update(json);
  const parsed = JSON.parse(json.toString('utf8')) as WeightGroup[] | { weightsManifest: WeightGroup[] };
  for (const g of Array.isArray(parsed) ? parsed : parsed.weightsManifest) {
    for (const p of g.paths) hash.update(readFileSync(path.join(modelDir, p)));
  }
  const file = path.join(cacheDir, `${name}-v${version}-${hash.digest('hex').slice(0, 16)}.onnx`);
  if (!existsSync(file)) {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, build());
    renameSync(tmp, file);
  }
  return file;
}

export interface OnnxNets {
  /** `chips`: n face chips, NHWC 150×150×3, pixel values 0–255, back to back. One descriptor per chip. */
  describe(chips: Float32Array, n: number): Promise<Float32Array[]>;
  /** `faces`: n crops, NHWC 112×112×3 (0–255). face-api's reading: male when P(male) > 0.5. */
  ageGender(faces: Float32Array, n: number): Promise<{ age: number; gender: 'male' | 'female' }[]>;
  /**
   * `faces`: n of Human's face crops resized to NHWC 224×224×3, 0–255 (faceres' enhance()). Human's 1024-d
   * faceres embedding per face, as the net gives it (not normalised). Null when opened without it.
   */
  faceres: ((faces: Float32Array, n: number) => Promise<Float32Array[]>) | null;
  /** The runtime's version, for the log line. */
  version: string;
}

/**
 * Sessions with one intra-op thread and spinning off: each engine worker is its own process, one per core, and
 * spinning threads on a 2-core machine made every op 3–4× slower (shared/docs/local-engine-notes.md).
 * Throws when onnxruntime-node is not installed or cannot load; the caller falls back to tfjs-wasm.
 */
export async function openOnnxNets(cacheDir: string, opts: { faceres: boolean }): Promise<OnnxNets> {
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
  const faceApiNet = (name: string, manifest: string, version: number, build: (w: Weights) => Uint8Array) =>
    open(
      cachedModelFile(cacheDir, { modelDir: faceApiModelDir(), manifest }, name, version, () =>
        build(readTfjsWeights(faceApiModelDir(), manifest)),
      ),
    );
  const recognition = await faceApiNet(
    'face-recognition',
    RECOGNITION_MANIFEST,
    RECOGNITION_GRAPH_VERSION,
    recognitionModel,
  );
  const ageGender = await faceApiNet(
    'age-gender',
    AGE_GENDER_MANIFEST,
    AGE_GENDER_GRAPH_VERSION,
    ageGenderModel,
  );
  const human = { modelDir: humanModelDir(), manifest: FACERES_MODEL_FILE };
  const faceres = opts.faceres
    ? await open(
        cachedModelFile(cacheDir, human, 'faceres', FACERES_GRAPH_VERSION, () => {
          const { nodes, weights } = readFaceresGraph(human.modelDir);
          return faceresModel(nodes, weights);
        }),
      )
    : null;
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
    faceres:
      faceres &&
      (async (faces, n) => {
        const input = new ort.Tensor('float32', faces, [n, FACERES_SIDE, FACERES_SIDE, 3]);
        const data = (await faceres.run({ [FACERES_INPUT]: input }))[FACERES_OUTPUT]?.data as Float32Array;
        return Array.from({ length: n }, (_, i) => data.slice(i * FACERES_LENGTH, (i + 1) * FACERES_LENGTH));
      }),
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
