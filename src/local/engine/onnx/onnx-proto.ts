/**
 * The few ONNX protobuf messages a plain feed-forward graph needs (ModelProto, GraphProto, NodeProto, TensorProto,
 * ValueInfoProto, AttributeProto), encoded by hand: proto3 wire format is varints and length-delimited bytes, and
 * ~100 lines spare a protobuf dependency plus the .proto schema. Field numbers are from onnx/onnx.proto.
 */

export const FLOAT = 1;
export const INT64 = 7;

/** One message under construction: fields appended in any order (protobuf allows it). */
class Message {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }

  private varint(v: bigint): void {
    const out: number[] = [];
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    out.push(Number(x));
    this.push(Uint8Array.from(out));
  }

  private key(field: number, wire: 0 | 2): void {
    this.varint(BigInt((field << 3) | wire));
  }

  int(field: number, v: number | bigint): this {
    this.key(field, 0);
    this.varint(BigInt(v));
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2);
    this.varint(BigInt(b.length));
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: Message): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

export type Attribute = number | number[];

/** AttributeProto: integer attributes become INT, arrays INTS (all this graph needs). */
function attribute(name: string, v: Attribute): Message {
  const m = new Message().string(1, name);
  if (Array.isArray(v)) {
    for (const x of v) m.int(8, x);
    return m.int(20, 7);
  }
  return m.int(3, v).int(20, 2);
}

export interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, Attribute>;
}

export interface Initializer {
  name: string;
  dims: number[];
  /** Float32Array → FLOAT, BigInt64Array → INT64 (little-endian raw_data, as ONNX requires). */
  data: Float32Array | BigInt64Array;
}

/** A graph input or output: float tensor; a string dim is symbolic (e.g. the batch). */
export interface ValueInfo {
  name: string;
  dims: (number | string)[];
}

function tensor(t: Initializer): Message {
  const m = new Message();
  for (const d of t.dims) m.int(1, d);
  m.int(2, t.data instanceof Float32Array ? FLOAT : INT64);
  m.string(8, t.name);
  // Typed arrays are little-endian on every platform Node runs on.
  return m.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function valueInfo(v: ValueInfo): Message {
  const shape = new Message();
  for (const d of v.dims) {
    shape.message(1, typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d));
  }
  const tensorType = new Message().int(1, FLOAT).message(2, shape);
  return new Message().string(1, v.name).message(2, new Message().message(1, tensorType));
}

function node(n: Node, i: number): Message {
  const m = new Message();
  for (const x of n.inputs) m.string(1, x);
  for (const x of n.outputs) m.string(2, x);
  m.string(3, `${n.op}_${i}`).string(4, n.op);
  for (const [k, v] of Object.entries(n.attrs ?? {})) m.message(5, attribute(k, v));
  return m;
}

export interface Graph {
  name: string;
  nodes: Node[];
  initializers: Initializer[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

/** ModelProto bytes: IR version 7 with the default-domain opset 13. */
export function encodeModel(g: Graph, producer: string): Uint8Array {
  const graph = new Message();
  g.nodes.forEach((n, i) => {
    graph.message(1, node(n, i));
  });
  graph.string(2, g.name);
  for (const t of g.initializers) graph.message(5, tensor(t));
  for (const v of g.inputs) graph.message(11, valueInfo(v));
  for (const v of g.outputs) graph.message(12, valueInfo(v));
  return new Message()
    .int(1, 7)
    .string(2, producer)
    .message(7, graph)
    .message(8, new Message().string(1, '').int(2, 13))
    .finish();
}
