/**
 * face-api's faceRecognitionNet (dlib's ResNet-34-like face descriptor, 128-d) as an ONNX model, built from the
 * tfjs weights manifest in @vladmandic/face-api's model folder. It exists because no converter from tfjs weights to
 * ONNX runs in JavaScript, and this net on a native runtime is ~3× faster than on tfjs-wasm (docs/engine-onnx.md).
 *
 * It mirrors face-api's forwardInput op for op, so the descriptor stays the same (checked layer by layer in
 * test/engine-onnx-recognition.test.ts): (x − meanRgb) / 255; conv 7×7/2 valid; maxPool 3/2; 3 residual blocks at
 * 32, then residualDown + 3 at 64, + 2 at 128, + 2 at 256, a last residualDown; spatial mean; matMul fc. Each conv
 * layer is conv + bias, then an affine "scale" (× weights + biases), folded here into the conv's filters and bias.
 * Layout: input NHWC [n,150,150,3] pixels 0–255 (what the tfjs chip holds), transposed once to ONNX's NCHW.
 */
import { GraphBuilder, tfjsOutSide } from './graph-builder';
import { encodeModel, type ValueInfo } from './onnx-proto';
import type { Weights } from './tfjs-weights';

export const RECOGNITION_INPUT = 'chips';
export const RECOGNITION_OUTPUT = 'descriptor';
export const RECOGNITION_SIDE = 150;
/** Bump when the generated graph changes: it is part of the cached model's file name. */
export const RECOGNITION_GRAPH_VERSION = 1;
export const RECOGNITION_MANIFEST = 'face_recognition_model-weights_manifest.json';

const MEAN_RGB = [122.782, 117.001, 104.298];

/** The blocks in forward order; residualDown blocks end in "_down" (and "_down_out"). */
export const RECOGNITION_BLOCKS = [
  'conv32_1',
  'conv32_2',
  'conv32_3',
  'conv64_down',
  'conv64_1',
  'conv64_2',
  'conv64_3',
  'conv128_down',
  'conv128_1',
  'conv128_2',
  'conv256_down',
  'conv256_1',
  'conv256_2',
  'conv256_down_out',
] as const;

/** Builds the ONNX model; `taps` adds block outputs ("input", "conv32_down", "pool", block names) as extra outputs. */
export function recognitionModel(weights: Weights, taps: string[] = []): Uint8Array {
  const g = new GraphBuilder(weights);
  const outputs: ValueInfo[] = [];
  const tap = (name: string, t: string) => {
    if (taps.includes(name))
      outputs.push({ name: g.op('Identity', [t], undefined, name), dims: ['n', 'c', 'h', 'w'] });
  };
  let x = g.normalizedInput(RECOGNITION_INPUT, MEAN_RGB);
  tap('input', x);
  let side = RECOGNITION_SIDE;
  x = g.affineConv(x, 'conv32_down', side, 2, true, 'valid');
  side = tfjsOutSide(side, 7, 2, 'valid');
  let channels = 32;
  tap('conv32_down', x);
  x = g.maxPool(x, side, 3, 2, 'valid');
  side = tfjsOutSide(side, 3, 2, 'valid');
  tap('pool', x);
  for (const block of RECOGNITION_BLOCKS) {
    if (block.includes('_down')) {
      // residualDown: the shortcut is a 2×2 average pool, zero-padded to the conv branch's channels; when the
      // stride-2 valid conv comes out one pixel short of the pool, the conv branch gets a zero row and column.
      const co = g.get(`${block}/conv1/conv/filters`).shape[3]!;
      let y = g.affineConv(x, `${block}/conv1`, side, 2, true, 'valid');
      const convSide = tfjsOutSide(side, 3, 2, 'valid');
      y = g.affineConv(y, `${block}/conv2`, convSide, 1, false, 'same');
      const poolSide = Math.floor(side / 2);
      if (convSide !== poolSide) y = g.pad(y, [0, 0, poolSide - convSide, poolSide - convSide]);
      let pooled = g.op('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
      if (co !== channels) pooled = g.pad(pooled, [0, co - channels, 0, 0]);
      x = g.op('Relu', [g.op('Add', [pooled, y])]);
      side = poolSide;
      channels = co;
    } else {
      const y = g.affineConv(x, `${block}/conv1`, side, 1, true, 'same');
      x = g.op('Relu', [g.op('Add', [g.affineConv(y, `${block}/conv2`, side, 1, false, 'same'), x])]);
    }
    tap(block, x);
  }
  const mean = g.op('ReduceMean', [x], { axes: [2, 3], keepdims: 0 });
  const fc = g.get('fc');
  g.op('MatMul', [mean, g.constant(fc.values, fc.shape)], undefined, RECOGNITION_OUTPUT);
  return encodeModel(
    {
      name: 'face_recognition_net',
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [{ name: RECOGNITION_INPUT, dims: ['n', RECOGNITION_SIDE, RECOGNITION_SIDE, 3] }],
      outputs: [{ name: RECOGNITION_OUTPUT, dims: ['n', fc.shape[1]!] }, ...outputs],
    },
    'face-album',
  );
}
