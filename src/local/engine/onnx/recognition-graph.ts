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
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { encodeModel, type Initializer, type Node, type ValueInfo } from './onnx-proto';

export const RECOGNITION_INPUT = 'chips';
export const RECOGNITION_OUTPUT = 'descriptor';
export const RECOGNITION_SIDE = 150;
/** Bump when the generated graph changes: it is part of the cached model's file name. */
export const RECOGNITION_GRAPH_VERSION = 1;

const MEAN_RGB = [122.782, 117.001, 104.298];

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  quantization?: { dtype: 'uint8' | 'uint16'; scale: number; min: number };
}

/** tfjs weights, dequantized exactly as tfjs does (v × scale + min, rounded to float32). */
export type Weights = Map<string, { shape: number[]; values: Float32Array }>;

export function readTfjsWeights(modelDir: string, manifestFile: string): Weights {
  const groups = JSON.parse(readFileSync(path.join(modelDir, manifestFile), 'utf8')) as {
    paths: string[];
    weights: ManifestEntry[];
  }[];
  const out: Weights = new Map();
  for (const g of groups) {
    const bin = Buffer.concat(g.paths.map((p) => readFileSync(path.join(modelDir, p))));
    let at = 0;
    for (const w of g.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(n);
      const q = w.quantization;
      if (!q) {
        // Copy: the bin buffer's offset need not be 4-byte aligned.
        values.set(new Float32Array(bin.buffer.slice(bin.byteOffset + at, bin.byteOffset + at + 4 * n)));
        at += 4 * n;
      } else {
        const wide = q.dtype === 'uint16';
        for (let i = 0; i < n; i++) {
          values[i] = (wide ? bin.readUInt16LE(at + 2 * i) : bin[at + i]!) * q.scale + q.min;
        }
        at += (wide ? 2 : 1) * n;
      }
      out.set(w.name, { shape: w.shape, values });
    }
    if (at !== bin.length)
      throw new Error(`${manifestFile}: ${bin.length - at} bytes not described by the manifest`);
  }
  return out;
}

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

class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Initializer[] = [];
  private n = 0;

  constructor(private readonly weights: Weights) {}

  private get(name: string): { shape: number[]; values: Float32Array } {
    const w = this.weights.get(name);
    if (!w) throw new Error(`recognition weights: ${name} missing`);
    return w;
  }

  constant(data: Float32Array | BigInt64Array, dims: number[]): string {
    const name = `c${this.initializers.length}`;
    this.initializers.push({ name, dims, data });
    return name;
  }

  op(op: string, inputs: string[], attrs?: Node['attrs'], output?: string): string {
    const out = output ?? `t${this.n++}`;
    this.nodes.push({ op, inputs, outputs: [out], ...(attrs ? { attrs } : {}) });
    return out;
  }

  /** face-api's convLayer: conv2d (+ bias, × scale weights + scale biases), optional relu; filters HWIO → OIHW. */
  conv(x: string, prefix: string, stride: number, relu: boolean, same: boolean): string {
    const f = this.get(`${prefix}/conv/filters`);
    const bias = this.get(`${prefix}/conv/bias`).values;
    const sw = this.get(`${prefix}/scale/weights`).values;
    const sb = this.get(`${prefix}/scale/biases`).values;
    const [kh, kw, ci, co] = f.shape as [number, number, number, number];
    const w = new Float32Array(f.values.length);
    for (let h = 0; h < kh; h++)
      for (let v = 0; v < kw; v++)
        for (let i = 0; i < ci; i++)
          for (let o = 0; o < co; o++) {
            w[((o * ci + i) * kh + h) * kw + v] = f.values[((h * kw + v) * ci + i) * co + o]! * sw[o]!;
          }
    const b = Float32Array.from(bias, (v, o) => v * sw[o]! + sb[o]!);
    const p = same ? (kh - 1) / 2 : 0;
    const y = this.op('Conv', [x, this.constant(w, [co, ci, kh, kw]), this.constant(b, [co])], {
      kernel_shape: [kh, kw],
      strides: [stride, stride],
      pads: [p, p, p, p],
    });
    return relu ? this.op('Relu', [y]) : y;
  }

  pad(x: string, ends: [number, number, number, number]): string {
    return this.op('Pad', [x, this.constant(BigInt64Array.from([0, 0, 0, 0, ...ends].map(BigInt)), [8])]);
  }
}

/** Builds the ONNX model; `taps` adds block outputs ("input", "conv32_down", "pool", block names) as extra outputs. */
export function recognitionModel(weights: Weights, taps: string[] = []): Uint8Array {
  const g = new GraphBuilder(weights);
  const outputs: ValueInfo[] = [];
  const tap = (name: string, t: string) => {
    if (taps.includes(name))
      outputs.push({ name: g.op('Identity', [t], undefined, name), dims: ['n', 'c', 'h', 'w'] });
  };
  const nchw = g.op('Transpose', [RECOGNITION_INPUT], { perm: [0, 3, 1, 2] });
  const centred = g.op('Sub', [nchw, g.constant(Float32Array.from(MEAN_RGB), [1, 3, 1, 1])]);
  let x = g.op('Div', [centred, g.constant(Float32Array.of(255), [])]);
  tap('input', x);
  x = g.conv(x, 'conv32_down', 2, true, false);
  let side = Math.floor((RECOGNITION_SIDE - 7) / 2) + 1;
  let channels = 32;
  tap('conv32_down', x);
  x = g.op('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2] });
  side = Math.floor((side - 3) / 2) + 1;
  tap('pool', x);
  for (const block of RECOGNITION_BLOCKS) {
    if (block.includes('_down')) {
      // residualDown: the shortcut is a 2×2 average pool, zero-padded to the conv branch's channels; when the
      // stride-2 valid conv comes out one pixel short of the pool, the conv branch gets a zero row and column.
      const co = weights.get(`${block}/conv1/conv/filters`)?.shape[3] ?? channels;
      let y = g.conv(x, `${block}/conv1`, 2, true, false);
      y = g.conv(y, `${block}/conv2`, 1, false, true);
      const convSide = Math.floor((side - 3) / 2) + 1;
      const poolSide = Math.floor(side / 2);
      if (convSide !== poolSide) y = g.pad(y, [0, 0, poolSide - convSide, poolSide - convSide]);
      let pooled = g.op('AveragePool', [x], { kernel_shape: [2, 2], strides: [2, 2] });
      if (co !== channels) pooled = g.pad(pooled, [0, co - channels, 0, 0]);
      x = g.op('Relu', [g.op('Add', [pooled, y])]);
      side = poolSide;
      channels = co;
    } else {
      let y = g.conv(x, `${block}/conv1`, 1, true, true);
      y = g.conv(y, `${block}/conv2`, 1, false, true);
      x = g.op('Relu', [g.op('Add', [y, x])]);
    }
    tap(block, x);
  }
  const mean = g.op('ReduceMean', [x], { axes: [2, 3], keepdims: 0 });
  const fc = weights.get('fc');
  if (!fc) throw new Error('recognition weights: fc missing');
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
