/**
 * face-api's ageGenderNet as an ONNX model, from its tfjs weights (why generate at all: recognition-graph.ts). Op for
 * op as face-api's TinyXception(2) + heads: (x − meanRgb) / 255; relu(conv 3×3/2 same); reduction blocks 0 (no
 * leading relu) and 1; 2 main blocks; exit reduction block; relu(separable conv); avgPool 7/2 valid; age = fc,
 * gender = softmax(fc). Input: NHWC [n,112,112,3], the 150 px crops already resized by tfjs exactly as face-api's
 * toBatchTensor does, so the resize is not re-implemented here.
 */
import { GraphBuilder, tfjsOutSide } from './graph-builder';
import { encodeModel } from './onnx-proto';
import type { Weights } from './tfjs-weights';

export const AGE_GENDER_INPUT = 'faces';
export const AGE_GENDER_SIDE = 112;
export const AGE_GENDER_MANIFEST = 'age_gender_model-weights_manifest.json';
/** Bump when the generated graph changes (part of the cached file's name). */
export const AGE_GENDER_GRAPH_VERSION = 1;
const MAIN_BLOCKS = 2;
const MEAN_RGB = [122.782, 117.001, 104.298];

export function ageGenderModel(weights: Weights): Uint8Array {
  const g = new GraphBuilder(weights);
  let side = AGE_GENDER_SIDE;
  let x = g.op('Relu', [
    g.conv(g.normalizedInput(AGE_GENDER_INPUT, MEAN_RGB), 'entry_flow/conv_in', side, 2, 'same'),
  ]);
  side = tfjsOutSide(side, 3, 2, 'same');
  // face-api's reductionBlock: [relu] → sep → relu → sep → maxPool 3/2 same, plus a 1×1/2 conv of the block's input.
  const reduction = (input: string, prefix: string, leadingRelu: boolean) => {
    let y = g.separable(leadingRelu ? g.op('Relu', [input]) : input, `${prefix}/separable_conv0`, side);
    y = g.separable(g.op('Relu', [y]), `${prefix}/separable_conv1`, side);
    y = g.maxPool(y, side, 3, 2, 'same');
    const shortcut = g.conv(input, `${prefix}/expansion_conv`, side, 2, 'same');
    side = tfjsOutSide(side, 3, 2, 'same');
    return g.op('Add', [y, shortcut]);
  };
  x = reduction(x, 'entry_flow/reduction_block_0', false);
  x = reduction(x, 'entry_flow/reduction_block_1', true);
  for (let i = 0; i < MAIN_BLOCKS; i++) {
    const prefix = `middle_flow/main_block_${i}`;
    let y = x;
    for (const k of [0, 1, 2]) y = g.separable(g.op('Relu', [y]), `${prefix}/separable_conv${k}`, side);
    x = g.op('Add', [y, x]);
  }
  x = reduction(x, 'exit_flow/reduction_block', true);
  x = g.op('Relu', [g.separable(x, 'exit_flow/separable_conv', side)]);
  // avgPool 7/2 valid on the 7×7 map is the spatial mean; as2D(n, -1).
  const pooled = g.op('Flatten', [g.op('AveragePool', [x], { kernel_shape: [7, 7], strides: [2, 2] })], {
    axis: 1,
  });
  g.op('Identity', [g.dense(pooled, 'fc/age')], undefined, 'age');
  g.op('Softmax', [g.dense(pooled, 'fc/gender')], { axis: 1 }, 'gender');
  return encodeModel(
    {
      name: 'age_gender_net',
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [{ name: AGE_GENDER_INPUT, dims: ['n', AGE_GENDER_SIDE, AGE_GENDER_SIDE, 3] }],
      outputs: [
        { name: 'age', dims: ['n', 1] },
        { name: 'gender', dims: ['n', 2] },
      ],
    },
    'face-album',
  );
}
