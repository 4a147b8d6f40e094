/** Builds ONNX graphs from face-api's tfjs weights: the few layer kinds its nets use, in NCHW. */
import type { Initializer, Node } from './onnx-proto';
import type { Weights } from './tfjs-weights';

export type Padding = 'same' | 'valid';

/** tfjs's padding for a square input side: 'same' puts the odd pixel at the end (bottom/right). [t, l, b, r]. */
export function tfjsPads(side: number, k: number, stride: number, padding: Padding): number[] {
  if (padding === 'valid') return [0, 0, 0, 0];
  const out = Math.ceil(side / stride);
  const total = Math.max((out - 1) * stride + k - side, 0);
  const begin = Math.floor(total / 2);
  return [begin, begin, total - begin, total - begin];
}

/** tfjs's output side for a square input. */
export function tfjsOutSide(side: number, k: number, stride: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(side / stride) : Math.floor((side - k) / stride) + 1;
}

/** tfjs filters [kh, kw, in, out] → ONNX [out, in, kh, kw], each output channel times `scale[o]` (1 if absent). */
export function oihw(f: { shape: number[]; values: Float32Array }, scale?: Float32Array): Float32Array {
  const [kh, kw, ci, co] = f.shape as [number, number, number, number];
  const w = new Float32Array(f.values.length);
  for (let h = 0; h < kh; h++)
    for (let v = 0; v < kw; v++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) {
          const x = f.values[((h * kw + v) * ci + i) * co + o]!;
          w[((o * ci + i) * kh + h) * kw + v] = scale ? x * scale[o]! : x;
        }
  return w;
}

export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Initializer[] = [];
  private n = 0;

  constructor(private readonly weights: Weights) {}

  get(name: string): { shape: number[]; values: Float32Array } {
    const w = this.weights.get(name);
    if (!w) throw new Error(`tfjs weights: ${name} missing`);
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

  private convOp(
    x: string,
    w: Float32Array,
    dims: number[],
    b: Float32Array,
    stride: number,
    pads: number[],
    group = 1,
  ): string {
    return this.op('Conv', [x, this.constant(w, dims), this.constant(b, [dims[0]!])], {
      kernel_shape: [dims[2]!, dims[3]!],
      strides: [stride, stride],
      pads,
      group,
    });
  }

  /** conv2d + bias (`${prefix}/filters`, `${prefix}/bias`) on a square input of side `side`. */
  conv(x: string, prefix: string, side: number, stride: number, padding: Padding): string {
    const f = this.get(`${prefix}/filters`);
    const [kh, kw, ci, co] = f.shape as [number, number, number, number];
    const b = this.get(`${prefix}/bias`).values;
    return this.convOp(x, oihw(f), [co, ci, kh, kw], b, stride, tfjsPads(side, kh, stride, padding));
  }

  /**
   * face-api's convLayer: conv2d + bias, then × scale weights + scale biases, optional relu. The affine scale is
   * folded into the filters and bias (one op instead of three; the rounding differs by ~1 ulp).
   */
  affineConv(
    x: string,
    prefix: string,
    side: number,
    stride: number,
    relu: boolean,
    padding: Padding,
  ): string {
    const f = this.get(`${prefix}/conv/filters`);
    const [kh, kw, ci, co] = f.shape as [number, number, number, number];
    const sw = this.get(`${prefix}/scale/weights`).values;
    const sb = this.get(`${prefix}/scale/biases`).values;
    const b = Float32Array.from(this.get(`${prefix}/conv/bias`).values, (v, o) => v * sw[o]! + sb[o]!);
    const y = this.convOp(x, oihw(f, sw), [co, ci, kh, kw], b, stride, tfjsPads(side, kh, stride, padding));
    return relu ? this.op('Relu', [y]) : y;
  }

  /** tfjs separableConv2d (stride 1, 'same') + bias: a depthwise conv (group = channels), then a 1×1 conv. */
  separable(x: string, prefix: string, side: number): string {
    const d = this.get(`${prefix}/depthwise_filter`);
    const p = this.get(`${prefix}/pointwise_filter`);
    const [kh, kw, c] = d.shape as [number, number, number];
    const co = p.shape[3]!;
    const pads = tfjsPads(side, kh, 1, 'same');
    // [kh, kw, c, 1] → [c, 1, kh, kw]: the channel multiplier 1 takes the "in" place.
    const dw = this.convOp(
      x,
      oihw({ shape: [kh, kw, 1, c], values: d.values }),
      [c, 1, kh, kw],
      new Float32Array(c),
      1,
      pads,
      c,
    );
    return this.convOp(dw, oihw(p), [co, c, 1, 1], this.get(`${prefix}/bias`).values, 1, [0, 0, 0, 0]);
  }

  maxPool(x: string, side: number, k: number, stride: number, padding: Padding): string {
    return this.op('MaxPool', [x], {
      kernel_shape: [k, k],
      strides: [stride, stride],
      pads: tfjsPads(side, k, stride, padding),
    });
  }

  /** Zero padding at the end of each axis of an NCHW tensor. */
  pad(x: string, ends: [number, number, number, number]): string {
    return this.op('Pad', [x, this.constant(BigInt64Array.from([0, 0, 0, 0, ...ends].map(BigInt)), [8])]);
  }

  /** (x − meanRgb) / 255 after NHWC → NCHW: face-api's input normalisation (its `normalize(...).div(255)`). */
  normalizedInput(input: string, meanRgb: number[]): string {
    const nchw = this.op('Transpose', [input], { perm: [0, 3, 1, 2] });
    const centred = this.op('Sub', [nchw, this.constant(Float32Array.from(meanRgb), [1, 3, 1, 1])]);
    return this.op('Div', [centred, this.constant(Float32Array.of(255), [])]);
  }

  /** x [n, k] × weights [k, m] + bias [m] (face-api's fully connected layer). */
  dense(x: string, prefix: string): string {
    const w = this.get(`${prefix}/weights`);
    return this.op('Add', [
      this.op('MatMul', [x, this.constant(w.values, w.shape)]),
      this.constant(this.get(`${prefix}/bias`).values, [w.shape[1]!]),
    ]);
  }
}
