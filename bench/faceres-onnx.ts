/**
 * Issue 17's next step, measured: Human's `faceres` (the second embedding bench:quality --second fuses) on
 * onnxruntime instead of tfjs-wasm. Converts the tfjs graph model (a MobileNet-v1: Conv2D, depthwise conv,
 * batch-norm Mul/Add, ReLU6 as Relu/Minimum/Maximum, a spatial Mean) op by op into ONNX with the engine's
 * GraphBuilder, checks its 1024-d output against tfjs on real face crops, and times both, one thread each.
 *
 *   npm run bench:faceres-onnx -- [--faces 40]
 *
 * Not used by the album yet (docs/clustering-quality.md, "A second embedding, fused").
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { loadFaceModels } from '../src/local/engine/face-models';
import {
  GraphBuilder,
  oihw,
  type Padding,
  tfjsOutSide,
  tfjsPads,
} from '../src/local/engine/onnx/graph-builder';
import { encodeModel } from '../src/local/engine/onnx/onnx-proto';
import { readWeightGroups, type WeightGroup, type Weights } from '../src/local/engine/onnx/tfjs-weights';
import { DATASETS } from './quality-folds';

interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: { strides?: { list: { i: string[] } }; padding?: { s: string } };
}

const SIDE = 224;
const flags = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  flags.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1]!);
const nFaces = Number(flags.get('faces') ?? 40);

/** The graph up to the 1024-d `global_pooling/Mean`, NHWC in (pixels 0–255), as ONNX. */
function faceresOnnx(nodes: TfNode[], weights: Weights): Uint8Array {
  const g = new GraphBuilder(weights);
  const tensor = new Map<string, string>();
  const side = new Map<string, number>();
  const constOf = (name: string) => weights.get(name);
  const channelConst = (name: string) => {
    const w = constOf(name)!;
    return w.values.length === 1
      ? g.constant(w.values, [])
      : g.constant(w.values, [1, w.values.length, 1, 1]);
  };
  for (const n of nodes) {
    const ins = n.input ?? [];
    const x = tensor.get(ins[0] ?? '');
    const s = side.get(ins[0] ?? '') ?? SIDE;
    let y: string;
    switch (n.op) {
      case 'Const':
        continue;
      case 'Placeholder':
        y = g.op('Transpose', [n.name], { perm: [0, 3, 1, 2] });
        side.set(n.name, SIDE);
        break;
      case 'Conv2D':
      case 'DepthwiseConv2dNative': {
        const f = constOf(ins[1]!)!;
        const [kh, kw, ci, cm] = f.shape as [number, number, number, number];
        const stride = Number(n.attr!.strides!.list.i[1]);
        const padding = Buffer.from(n.attr!.padding!.s, 'base64').toString().toLowerCase() as Padding;
        const depthwise = n.op === 'DepthwiseConv2dNative';
        // tfjs [kh, kw, in, out] (depthwise: [kh, kw, c, 1]) → ONNX [out, in/group, kh, kw].
        const co = depthwise ? ci : cm;
        const cin = depthwise ? 1 : ci;
        // A depthwise [kh, kw, c, 1] is a grouped conv whose multiplier 1 takes the "in" place (as GraphBuilder.separable).
        const w = oihw(depthwise ? { shape: [kh, kw, 1, ci], values: f.values } : f);
        y = g.op('Conv', [x!, g.constant(w, [co, cin, kh, kw])], {
          kernel_shape: [kh, kw],
          strides: [stride, stride],
          pads: tfjsPads(s, kh, stride, padding),
          group: depthwise ? ci : 1,
        });
        side.set(n.name, tfjsOutSide(s, kh, stride, padding));
        break;
      }
      case 'Add':
      case 'Mul':
        y = g.op(n.op, [x!, channelConst(ins[1]!)]);
        break;
      case 'Relu':
        y = g.op('Relu', [x!]);
        break;
      case 'Minimum':
      case 'Maximum':
        y = g.op(n.op === 'Minimum' ? 'Min' : 'Max', [x!, channelConst(ins[1]!)]);
        break;
      case 'Mean':
        y = g.op('ReduceMean', [x!], { axes: [2, 3], keepdims: 0 }, 'embedding');
        break;
      default:
        // The age/gender heads after the embedding are not needed.
        continue;
    }
    tensor.set(n.name, y);
    if (!side.has(n.name)) side.set(n.name, s);
    if (n.op === 'Mean') break;
  }
  return encodeModel(
    {
      name: 'faceres',
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [{ name: 'input_1', dims: ['n', SIDE, SIDE, 3] }],
      outputs: [{ name: 'embedding', dims: ['n', 1024] }],
    },
    'face-album bench/faceres-onnx.ts',
  );
}

const models = await loadFaceModels();
const modelsDir = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@vladmandic/human')),
  '..',
  'models',
);
const json = JSON.parse(readFileSync(path.join(modelsDir, 'faceres.json'), 'utf8')) as {
  modelTopology: { node: TfNode[] };
  weightsManifest: WeightGroup[];
};
const onnxBytes = faceresOnnx(
  json.modelTopology.node,
  readWeightGroups(modelsDir, json.weightsManifest, 'faceres.json'),
);
const ort = await import('onnxruntime-node');
const session = await ort.InferenceSession.create(onnxBytes, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const tf = models.tf;
const tfModel = await tf.loadGraphModel(`file://${path.join(modelsDir, 'faceres.json')}`);

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
  const outs = tfModel.execute(x, 'global_pooling/Mean') as ReturnType<typeof tf.tensor>;
  const a = (await outs.data()) as Float32Array;
  tfMs.push(performance.now() - t0);
  x.dispose();
  outs.dispose();
  const t1 = performance.now();
  const r = await session.run({ input_1: new ort.Tensor('float32', px, [1, SIDE, SIDE, 3]) });
  const b = r.embedding!.data as Float32Array;
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
