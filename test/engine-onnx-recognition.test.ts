/**
 * The recognition net generated as ONNX (src/local/engine/onnx) against face-api's own net on tfjs:
 * - layer by layer, on real face chips: every block's output on onnxruntime-node matches face-api's ops on tfjs;
 * - end to end, through the engine: the same faces get the same descriptors within the stated tolerance
 *   (max |Δ| ≤ 1e-4, euclidean ≤ 1e-3; all of faces-dev: `npm run bench:descriptor-parity`);
 * - the age/gender net likewise (age within 1e-3 years, P(male) within 1e-5);
 * - a runtime that fails to load leaves the engine on tfjs-wasm, logged once with the reason.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceEngine, type LocalFaceEngine } from '../src/local/engine/create-face-engine';
import { type FaceModels, loadFaceModels } from '../src/local/engine/face-models';
import {
  AGE_GENDER_INPUT,
  AGE_GENDER_MANIFEST,
  AGE_GENDER_SIDE,
  ageGenderModel,
} from '../src/local/engine/onnx/age-gender-graph';
import { faceApiModelDir } from '../src/local/engine/onnx/onnx-nets';
import {
  RECOGNITION_BLOCKS,
  RECOGNITION_INPUT,
  RECOGNITION_MANIFEST,
  RECOGNITION_OUTPUT,
  recognitionModel,
} from '../src/local/engine/onnx/recognition-graph';
import { readTfjsWeights } from '../src/local/engine/onnx/tfjs-weights';
import { createLogger } from '../src/log/logger';

const DEV = path.resolve(import.meta.dirname, '../../shared/datasets/faces-dev');
const PHOTOS = ['George_W_Bush/1.jpg', 'Colin_Powell/2.jpg', 'Jennifer_Capriati/1.jpg'];
const MAX_ABS = 1e-4;
const MAX_EUCLID = 1e-3;

type Tf = FaceModels['tf'];
type T4 = ReturnType<Tf['tensor4d']>;
interface ConvParams {
  conv: { filters: T4; bias: T4 };
  scale: { weights: T4; biases: T4 };
}
type BlockParams = { conv1: ConvParams; conv2: ConvParams };

/** face-api's FaceRecognitionNet.forwardInput, op for op on tfjs, keeping every block's output. */
function tfjsForward(tf: Tf, params: Record<string, unknown>, chips: T4): Map<string, T4> {
  const out = new Map<string, T4>();
  const conv = (x: T4, p: ConvParams, stride: number, relu: boolean, padding: 'same' | 'valid' = 'same') => {
    let y = tf.add(tf.conv2d(x, p.conv.filters as never, stride, padding), p.conv.bias);
    y = tf.add(tf.mul(y, p.scale.weights), p.scale.biases);
    return (relu ? tf.relu(y) : y) as T4;
  };
  const residualDown = (x: T4, p: BlockParams) => {
    let y = conv(conv(x, p.conv1, 2, true, 'valid'), p.conv2, 1, false);
    let pooled = tf.avgPool(x, 2, 2, 'valid') as T4;
    if (pooled.shape[1] !== y.shape[1]) {
      y = tf.concat([y, tf.zeros([y.shape[0], 1, y.shape[2], y.shape[3]])], 1) as T4;
      y = tf.concat([y, tf.zeros([y.shape[0], y.shape[1], 1, y.shape[3]])], 2) as T4;
    }
    if (pooled.shape[3] !== y.shape[3]) pooled = tf.concat([pooled, tf.zeros(pooled.shape)], 3) as T4;
    return tf.relu(tf.add(pooled, y)) as T4;
  };
  let x = tf.div(tf.sub(chips, tf.tensor1d([122.782, 117.001, 104.298])), 255) as T4;
  out.set('input', x);
  x = conv(x, params.conv32_down as ConvParams, 2, true, 'valid');
  out.set('conv32_down', x);
  x = tf.maxPool(x, 3, 2, 'valid') as T4;
  out.set('pool', x);
  for (const block of RECOGNITION_BLOCKS) {
    const p = params[block] as BlockParams;
    x = block.includes('_down')
      ? residualDown(x, p)
      : (tf.relu(tf.add(conv(conv(x, p.conv1, 1, true), p.conv2, 1, false), x)) as T4);
    out.set(block, x);
  }
  out.set(RECOGNITION_OUTPUT, tf.matMul(tf.mean(x, [1, 2]), params.fc as never) as unknown as T4);
  return out;
}

async function chipPixels(): Promise<Float32Array> {
  const chips = await Promise.all(
    PHOTOS.map((p) =>
      sharp(path.join(DEV, p))
        .extract({ left: 50, top: 50, width: 150, height: 150 })
        .removeAlpha()
        .raw()
        .toBuffer(),
    ),
  );
  return Float32Array.from(Buffer.concat(chips));
}

describe('recognition net as ONNX, layer by layer', () => {
  let models: FaceModels;
  beforeAll(async () => {
    models = await loadFaceModels();
  }, 120_000);

  it('reads the same weights face-api loaded', () => {
    const weights = readTfjsWeights(faceApiModelDir(), RECOGNITION_MANIFEST);
    const params = models.faceapi.nets.faceRecognitionNet.params as unknown as Record<string, BlockParams>;
    for (const [name, tensor] of [
      ['conv32_down/conv/filters', (params.conv32_down as unknown as ConvParams).conv.filters],
      ['conv64_down/conv1/conv/filters', params.conv64_down!.conv1.conv.filters], // stored unquantized
      ['conv256_2/conv2/scale/biases', params.conv256_2!.conv2.scale.biases],
    ] as const) {
      expect(Array.from(weights.get(name)!.values)).toEqual(Array.from(tensor.dataSync()));
    }
  });

  it('every block matches face-api on tfjs, and so does the descriptor', async () => {
    const { tf, faceapi } = models;
    const taps = ['input', 'conv32_down', 'pool', ...RECOGNITION_BLOCKS];
    const weights = readTfjsWeights(faceApiModelDir(), RECOGNITION_MANIFEST);
    const session = await ort.InferenceSession.create(recognitionModel(weights, taps), {
      intraOpNumThreads: 1,
    });
    const pixels = await chipPixels();
    const n = PHOTOS.length;
    const got = await session.run({
      [RECOGNITION_INPUT]: new ort.Tensor('float32', pixels, [n, 150, 150, 3]),
    });
    const chips = tf.tensor4d(pixels, [n, 150, 150, 3]);
    const ref = tfjsForward(tf, faceapi.nets.faceRecognitionNet.params as never, chips);
    // The reference is face-api's forward pass: its descriptor is what computeFaceDescriptor returns.
    const api = (await faceapi.computeFaceDescriptor(tf.unstack(chips) as never)) as Float32Array[];
    expect(
      Math.max(
        ...api.flatMap((d, i) =>
          Array.from(d, (v, k) => Math.abs(v - ref.get(RECOGNITION_OUTPUT)!.dataSync()[i * 128 + k]!)),
        ),
      ),
    ).toBeLessThan(1e-6);

    for (const name of [...taps, RECOGNITION_OUTPUT]) {
      const r = ref.get(name)!;
      const want = (r.shape.length === 4 ? tf.transpose(r, [0, 3, 1, 2]) : r).dataSync();
      const have = got[name]!.data as Float32Array;
      expect(have.length, name).toBe(want.length);
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < want.length; i++) {
        worst = Math.max(worst, Math.abs(have[i]! - want[i]!));
        scale = Math.max(scale, Math.abs(want[i]!));
      }
      // Activations grow to ~10 in the deep blocks: the bound is relative to the layer's largest value.
      expect(worst / Math.max(1, scale), name).toBeLessThan(1e-5);
    }
  }, 120_000);
});

describe('age/gender net as ONNX', () => {
  it("gives face-api's age and male probability on real crops", async () => {
    const { tf, faceapi } = await loadFaceModels();
    const weights = readTfjsWeights(faceApiModelDir(), AGE_GENDER_MANIFEST);
    const session = await ort.InferenceSession.create(ageGenderModel(weights), { intraOpNumThreads: 1 });
    const n = PHOTOS.length;
    const crops = tf.tensor4d(await chipPixels(), [n, 150, 150, 3]);
    // The engine hands ONNX the crops already resized as face-api's toBatchTensor resizes them.
    const small = tf.image.resizeBilinear(crops, [AGE_GENDER_SIDE, AGE_GENDER_SIDE], false, false);
    const got = await session.run({
      [AGE_GENDER_INPUT]: new ort.Tensor('float32', small.dataSync() as Float32Array, [
        n,
        AGE_GENDER_SIDE,
        AGE_GENDER_SIDE,
        3,
      ]),
    });
    const want = faceapi.nets.ageGenderNet.forwardInput(await faceapi.toNetInput(tf.unstack(crops) as never));
    const age = want.age.dataSync();
    const male = want.gender.dataSync();
    for (let i = 0; i < n; i++) {
      expect(Math.abs((got.age!.data as Float32Array)[i]! - age[i]!)).toBeLessThan(1e-3);
      expect(Math.abs((got.gender!.data as Float32Array)[2 * i]! - male[2 * i]!)).toBeLessThan(1e-5);
    }
    // Not a constant: three different people get three different ages.
    expect(new Set(Array.from(age, (a) => Math.round(a))).size).toBeGreaterThan(1);
  }, 120_000);
});

describe('engine descriptors on onnxruntime-node and on tfjs-wasm', () => {
  let onnx: LocalFaceEngine;
  let tfjs: LocalFaceEngine;
  let tmp: string;
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'engine-onnx-'));
    // A fresh cache folder: the ONNX model is generated on this first start.
    [onnx, tfjs] = await Promise.all([
      createFaceEngine({ workers: 1, recognitionRuntime: 'onnx', modelCacheDir: path.join(tmp, 'cache') }),
      createFaceEngine({ workers: 1, recognitionRuntime: 'tfjs' }),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([onnx?.close(), tfjs?.close()]);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('reports which runtime runs, with the model generated into the cache folder', () => {
    expect(onnx.recognition()?.runtime).toBe('onnxruntime-node');
    expect(readdirSync(path.join(tmp, 'cache')).sort()).toEqual([
      expect.stringMatching(/^age-gender-v\d+-[0-9a-f]{16}\.onnx$/),
      expect.stringMatching(/^face-recognition-v\d+-[0-9a-f]{16}\.onnx$/),
      expect.stringMatching(/^faceres-v\d+-[0-9a-f]{16}\.onnx$/),
    ]);
    expect(tfjs.recognition()?.runtime).toBe('tfjs-wasm');
  });

  it('gives every face the same descriptor within the tolerance', async () => {
    // One group photo too (3:2: blazeface sees a square, so a 3:1 strip shrinks faces out of reach); its faces go
    // through the net in one batch.
    const group = path.join(tmp, 'group.jpg');
    const tiles = await Promise.all(PHOTOS.map((p) => sharp(path.join(DEV, p)).resize(400, 400).toBuffer()));
    await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#333' } })
      .composite(tiles.map((input, i) => ({ input, left: 400 * i, top: 0 })))
      .jpeg()
      .toFile(group);
    let faces = 0;
    for (const file of [...PHOTOS.map((p) => path.join(DEV, p)), group]) {
      const [a, b] = await Promise.all([onnx.analyze({ path: file }), tfjs.analyze({ path: file })]);
      expect(a.faces.length, file).toBe(b.faces.length);
      a.faces.forEach((fa, i) => {
        const fb = b.faces[i]!;
        const d = Array.from(fa.embedding, (v, k) => v - fb.embedding[k]!);
        expect(Math.max(...d.map(Math.abs)), file).toBeLessThanOrEqual(MAX_ABS);
        expect(Math.hypot(...d), file).toBeLessThanOrEqual(MAX_EUCLID);
        faces++;
      });
    }
    expect(faces).toBeGreaterThanOrEqual(PHOTOS.length + 3);
  }, 120_000);

  it('falls back to tfjs-wasm when the ONNX runtime fails to load, and logs it once', async () => {
    // A model cache "folder" that is a file: generating the model fails, as a broken install would.
    const notADir = path.join(tmp, 'not-a-dir');
    writeFileSync(notADir, 'x');
    const lines: string[] = [];
    const engine = await createFaceEngine({
      workers: 1,
      modelCacheDir: notADir,
      log: createLogger({ write: (l) => lines.push(l) }),
    });
    try {
      expect(engine.recognition()?.runtime).toBe('tfjs-wasm');
      const logged = lines
        .map((l) => JSON.parse(l))
        .filter((r) => r.event === 'face_engine.recognition_runtime');
      expect(logged).toHaveLength(1);
      expect(logged[0].runtime).toBe('tfjs-wasm');
      expect(logged[0].reason).toMatch(/onnxruntime-node unavailable: .*not-a-dir/);
      const photo = await engine.analyze({ path: path.join(DEV, PHOTOS[0]!) });
      expect(photo.faces[0]?.embedding.length).toBe(128);
      // The second embedding falls back with it (Human's faceres graph model on tfjs-wasm).
      expect(photo.faces[0]?.second?.length).toBe(1024);
    } finally {
      await engine.close();
    }
    await expect(
      createFaceEngine({ workers: 1, modelCacheDir: notADir, recognitionRuntime: 'onnx' }),
    ).rejects.toThrow(/not-a-dir/);
  }, 120_000);
});
