/**
 * DetectedFace.second — Human's 1024-d faceres embedding — computed by the engine (face-analyzer.ts):
 * - on onnxruntime-node through a real worker process, it is the vector Human's own `description` module gives for
 *   the same photo (cosine distance ≤ 1e-4), unit length, and crosses the worker IPC as a Float32Array;
 * - the tfjs-wasm fallback gives the same vector;
 * - two photos of one person are closer than photos of two people;
 * - a photo leaves no tfjs tensor behind, also when a net throws after detection.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFaceEngine, type LocalFaceEngine } from '../src/local/engine/create-face-engine';
import { decodeImage } from '../src/local/engine/decode-image';
import { FaceAnalyzer } from '../src/local/engine/face-analyzer';
import type { AnalyzedPhoto } from '../src/local/engine/face-engine';
import { type FaceModels, loadFaceModels } from '../src/local/engine/face-models';
import type { OnnxNets } from '../src/local/engine/onnx/onnx-nets';

const DEV = path.resolve(import.meta.dirname, '../../shared/datasets/faces-dev');
const PHOTOS = ['George_W_Bush/1.jpg', 'George_W_Bush/2.jpg', 'Colin_Powell/2.jpg'];
const DECODE = { maxPixels: 100e6, detectMaxSide: 1280 };
const MAX_COSINE = 1e-4;

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);
const cosineDistance = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  1 - dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
const euclidean = (a: Float32Array, b: Float32Array) => Math.hypot(...Array.from(a, (v, i) => v - b[i]!));

/** Human with its own `description` module on (faceres inside Human), on the image the engine hands Human. */
async function humanEmbeddings(models: FaceModels, file: string): Promise<number[][]> {
  const img = await decodeImage({ path: file }, DECODE);
  // The photos here are under the engine's 1024 px mesh side, so Human sees the decoded image as it is.
  expect(Math.max(img.rgbWidth, img.rgbHeight)).toBeLessThanOrEqual(1024);
  const t = models.tf.tensor3d(Float32Array.from(img.rgb), [img.rgbHeight, img.rgbWidth, 3], 'float32');
  try {
    const r = await models.human.detect(t as never);
    return r.face.map((f) => f.embedding ?? []);
  } finally {
    t.dispose();
  }
}

describe('second embedding (Human faceres)', () => {
  let tmp: string;
  let group: string;
  let engine: LocalFaceEngine;
  let reference: FaceModels;
  let onnxInProcess: FaceAnalyzer;
  let tfjsInProcess: FaceAnalyzer;
  const viaWorker = new Map<string, AnalyzedPhoto>();

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'engine-second-'));
    const cache = path.join(tmp, 'cache');
    // A 3-face photo (960×640: under the mesh side, so the reference sees it unscaled): one faceres batch of 3.
    group = path.join(tmp, 'group.jpg');
    const tiles = await Promise.all(PHOTOS.map((p) => sharp(path.join(DEV, p)).resize(320, 320).toBuffer()));
    await sharp({ create: { width: 960, height: 640, channels: 3, background: '#333' } })
      .composite(tiles.map((input, i) => ({ input, left: 320 * i, top: 0 })))
      .jpeg()
      .toFile(group);
    engine = await createFaceEngine({ workers: 1, recognitionRuntime: 'onnx', modelCacheDir: cache });
    reference = await loadFaceModels();
    (reference.human.config.face as unknown as Record<string, unknown>).description = {
      enabled: true,
      modelPath: 'faceres.json',
      minConfidence: 0,
      skipFrames: 0,
      skipTime: 0,
    };
    await reference.human.load();
    onnxInProcess = await FaceAnalyzer.create({
      ...DECODE,
      recognitionRuntime: 'onnx',
      modelCacheDir: cache,
    });
    tfjsInProcess = await FaceAnalyzer.create({ ...DECODE, recognitionRuntime: 'tfjs' });
    for (const file of [...PHOTOS.map((p) => path.join(DEV, p)), group])
      viaWorker.set(file, await engine.analyze({ path: file }));
  }, 180_000);
  afterAll(async () => {
    await engine?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("is Human's own faceres embedding, unit length, a Float32Array after the worker IPC", async () => {
    let faces = 0;
    for (const [file, photo] of viaWorker) {
      const want = await humanEmbeddings(reference, file);
      expect(photo.faces.length, file).toBe(want.length);
      photo.faces.forEach((f, i) => {
        expect(f.second, file).toBeInstanceOf(Float32Array);
        expect(f.second!.length).toBe(1024);
        expect(Math.abs(Math.hypot(...f.second!) - 1)).toBeLessThan(1e-5);
        expect(want[i]!.length).toBe(1024);
        expect(cosineDistance(f.second!, want[i]!), file).toBeLessThanOrEqual(MAX_COSINE);
        faces++;
      });
    }
    expect(faces).toBeGreaterThanOrEqual(PHOTOS.length + 3);
  }, 120_000);

  it('is the same vector on the tfjs-wasm fallback', async () => {
    expect(tfjsInProcess.recognition.runtime).toBe('tfjs-wasm');
    for (const [file, photo] of viaWorker) {
      const { photo: fallback } = await tfjsInProcess.analyze({ path: file });
      expect(fallback.faces.length, file).toBe(photo.faces.length);
      fallback.faces.forEach((f, i) => {
        expect(cosineDistance(f.second!, photo.faces[i]!.second!), file).toBeLessThanOrEqual(MAX_COSINE);
      });
    }
  }, 120_000);

  it('puts two photos of one person closer than photos of two people', () => {
    const [bush1, bush2, powell] = PHOTOS.map((p) => viaWorker.get(path.join(DEV, p))!.faces[0]!.second!);
    const same = euclidean(bush1!, bush2!);
    expect(same).toBeLessThan(euclidean(bush1!, powell!));
    expect(same).toBeLessThan(euclidean(bush2!, powell!));
  });

  it('leaves no tensor behind per photo, also when a net throws after detection', async () => {
    const { tf } = reference;
    for (const analyzer of [onnxInProcess, tfjsInProcess]) {
      for (const file of [path.join(DEV, PHOTOS[0]!), group]) {
        const before = tf.memory().numTensors;
        const { photo } = await analyzer.analyze({ path: file });
        expect(photo.faces.length).toBeGreaterThan(0);
        expect(tf.memory().numTensors, file).toBe(before);
      }
    }
    // Fault injection: the faceres net fails mid-photo, after Human returned its face crops.
    const nets = (onnxInProcess as unknown as { onnx: OnnxNets }).onnx;
    const real = nets.faceres;
    nets.faceres = async () => {
      throw new Error('injected faceres failure');
    };
    try {
      const before = tf.memory().numTensors;
      await expect(onnxInProcess.analyze({ path: group })).rejects.toThrow('injected faceres failure');
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      nets.faceres = real;
    }
  }, 120_000);
});
