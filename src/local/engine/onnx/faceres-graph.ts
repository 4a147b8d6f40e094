/**
 * Human's `faceres` (HSE FaceRes, a MobileNet-v1) up to its 1024-d `global_pooling/Mean` — the vector Human returns
 * as a face's `embedding` — as an ONNX model. Unlike face-api's nets it ships as a tfjs GRAPH model (faceres.json:
 * topology + float16 weights), so the graph is translated node by node: Conv2D, DepthwiseConv2dNative, batch-norm
 * Mul/Add, ReLU6 as Relu/Minimum/Maximum, and the spatial Mean. The age/gender heads after the Mean are left out.
 * Layout: input NHWC [n,224,224,3] pixels 0–255 (Human's enhance(): its face crop resized to 224, ×255),
 * transposed once to ONNX's NCHW. Same output as tfjs within cosine distance ~1e-12 (bench/faceres-onnx.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GraphBuilder, oihw, type Padding, tfjsOutSide, tfjsPads } from './graph-builder';
import { encodeModel } from './onnx-proto';
import { readWeightGroups, type WeightGroup, type Weights } from './tfjs-weights';

export const FACERES_INPUT = 'faces';
export const FACERES_OUTPUT = 'embedding';
export const FACERES_SIDE = 224;
export const FACERES_LENGTH = 1024;
/** Bump when the generated graph changes: it is part of the cached model's file name. */
export const FACERES_GRAPH_VERSION = 1;
/** Human's graph model file (topology + weights manifest), in Human's models folder. */
export const FACERES_MODEL_FILE = 'faceres.json';
/** The tfjs node whose output Human's faceres.predict() reads as the descriptor (the one of width 1024). */
export const FACERES_TFJS_OUTPUT = 'global_pooling/Mean';

/** One node of a tfjs graph model's topology (the fields the translation reads). */
export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: { strides?: { list: { i: string[] } }; padding?: { s: string } };
}

/** faceres.json's nodes and weights, from Human's models folder. */
export function readFaceresGraph(modelDir: string): { nodes: TfNode[]; weights: Weights } {
  const json = JSON.parse(readFileSync(path.join(modelDir, FACERES_MODEL_FILE), 'utf8')) as {
    modelTopology: { node: TfNode[] };
    weightsManifest: WeightGroup[];
  };
  return {
    nodes: json.modelTopology.node,
    weights: readWeightGroups(modelDir, json.weightsManifest, FACERES_MODEL_FILE),
  };
}

/** The graph up to the 1024-d Mean, as ONNX. Throws on an op it does not know before the Mean. */
export function faceresModel(nodes: TfNode[], weights: Weights): Uint8Array {
  const g = new GraphBuilder(weights);
  const tensor = new Map<string, string>();
  const side = new Map<string, number>();
  const channelConst = (name: string) => {
    const w = g.get(name);
    return w.values.length === 1
      ? g.constant(w.values, [])
      : g.constant(w.values, [1, w.values.length, 1, 1]);
  };
  let done = false;
  for (const n of nodes) {
    const ins = n.input ?? [];
    const x = tensor.get(ins[0] ?? '');
    const s = side.get(ins[0] ?? '') ?? FACERES_SIDE;
    let y: string;
    switch (n.op) {
      case 'Const':
        continue;
      case 'Placeholder':
        y = g.op('Transpose', [FACERES_INPUT], { perm: [0, 3, 1, 2] });
        break;
      case 'Conv2D':
      case 'DepthwiseConv2dNative': {
        const f = g.get(ins[1]!);
        const [kh, kw, ci, cm] = f.shape as [number, number, number, number];
        const stride = Number(n.attr!.strides!.list.i[1]);
        const padding = Buffer.from(n.attr!.padding!.s, 'base64').toString().toLowerCase() as Padding;
        const depthwise = n.op === 'DepthwiseConv2dNative';
        // tfjs [kh, kw, in, out] (depthwise: [kh, kw, c, 1]) → ONNX [out, in/group, kh, kw]. A depthwise filter is a
        // grouped conv whose multiplier 1 takes the "in" place (as GraphBuilder.separable).
        const co = depthwise ? ci : cm;
        const cin = depthwise ? 1 : ci;
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
        y = g.op('ReduceMean', [x!], { axes: [2, 3], keepdims: 0 }, FACERES_OUTPUT);
        done = true;
        break;
      default:
        throw new Error(
          `${FACERES_MODEL_FILE}: op ${n.op} (${n.name}) before the embedding is not translated`,
        );
    }
    tensor.set(n.name, y);
    if (!side.has(n.name)) side.set(n.name, s);
    if (done) break;
  }
  if (!done) throw new Error(`${FACERES_MODEL_FILE}: no Mean node (the 1024-d embedding)`);
  return encodeModel(
    {
      name: 'faceres',
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [{ name: FACERES_INPUT, dims: ['n', FACERES_SIDE, FACERES_SIDE, 3] }],
      outputs: [{ name: FACERES_OUTPUT, dims: ['n', FACERES_LENGTH] }],
    },
    'face-album',
  );
}
