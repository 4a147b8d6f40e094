/**
 * Human's `faceres` (the engine's second embedding, DetectedFace.second) on onnxruntime against tfjs-wasm. Converts the tfjs graph model (a MobileNet-v1: Conv2D, depthwise conv,
 * batch-norm Mul/Add, ReLU6 as Relu/Minimum/Maximum, a spatial Mean) op by op into ONNX with the engine's
 * GraphBuilder, checks its 1024-d output against tfjs on real face crops, and times both, one thread each.
 *
 *   npm run bench:faceres-onnx -- [--faces 40]
 *
 * The converter is src/local/engine/onnx/faceres-graph.ts, which the engine uses (docs/engine-onnx.md).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { loadFaceModels } from '../src/local/engine/face-models';
import {
  FACERES_INPUT,
  FACERES_OUTPUT,
  FACERES_TFJS_OUTPUT,
  faceresModel,
  readFaceresGraph,
  FACERES_SIDE as SIDE,
} from '../src/local/engine/onnx/faceres-graph';
import { humanModelDir } from '../src/local/engine/onnx/onnx-nets';
import { DATASETS } from './quality-folds';

const flags = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  flags.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1]!);
const nFaces = Number(flags.get('faces') ?? 40);

// The engine's own tfjs fallback model (face-models.ts) is the reference.
const models = await loadFaceModels({ faceresTfjs: true });
const tfModel = models.faceres!;
const { nodes, weights } = readFaceresGraph(humanModelDir());
const onnxBytes = faceresModel(nodes, weights);
const ort = await import('onnxruntime-node');
const session = await ort.InferenceSession.create(onnxBytes, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const tf = models.tf;

// Real inputs: the central 224×224 of faces-dev photos (LFW photos are face-centred), pixels 0–255.
const dirs = readdirSync(path.join(DATASETS, 'faces-dev')).filter((d) => !d.includes('.'));
const inputs: Float32Array[] = [];
for (const d of dirs.slice(0, nFaces)) {
  const { data } = await sharp(path.join(DATASETS, 'faces-dev', d, '1.jpg'))
    .extract({ left: 13, top: 13, width: SIDE, height: SIDE })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  inputs.push(Float32Array.from(data));
}
const tfMs: number[] = [];
const ortMs: number[] = [];
let worst = 0;
for (const px of inputs) {
  const t0 = performance.now();
  const x = tf.tensor4d(px, [1, SIDE, SIDE, 3]);
  const outs = tfModel.execute(x, FACERES_TFJS_OUTPUT) as ReturnType<typeof tf.tensor>;
  const a = (await outs.data()) as Float32Array;
  tfMs.push(performance.now() - t0);
  x.dispose();
  outs.dispose();
  const t1 = performance.now();
  const r = await session.run({ [FACERES_INPUT]: new ort.Tensor('float32', px, [1, SIDE, SIDE, 3]) });
  const b = r[FACERES_OUTPUT]!.data as Float32Array;
  ortMs.push(performance.now() - t1);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  worst = Math.max(worst, 1 - dot / Math.sqrt(na * nb));
}
const median = (v: number[]) => [...v].sort((p, q) => p - q)[v.length >> 1]!;
console.log(
  `faceres on ${inputs.length} faces, one thread each: tfjs-wasm median ${median(tfMs).toFixed(1)} ms a face, onnxruntime ${median(ortMs).toFixed(1)} ms (${(median(tfMs) / median(ortMs)).toFixed(1)}×); largest cosine distance between the two outputs ${worst.toExponential(2)}`,
);
