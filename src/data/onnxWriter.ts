// A minimal ONNX model writer: just the protobuf messages a feed-forward float32 graph needs
// (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto), encoded by hand
// so that the evaluation's reference network can be built from a package's weights wherever the
// code runs (Node, a Vite plugin), without a protobuf dependency. Field numbers are onnx.proto3's.

/** Protobuf bytes, appended to as fields are written. */
class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  private varint(value: bigint): void {
    // int64 fields carry negative numbers as their 64-bit two's complement (10 bytes).
    let v = BigInt.asUintN(64, value);
    const out: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      out.push(byte);
    } while (v !== 0n);
    this.push(Uint8Array.from(out));
  }

  private key(field: number, wireType: 0 | 1 | 2 | 5): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  int(field: number, value: number | bigint): this {
    this.key(field, 0);
    this.varint(BigInt(value));
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, 5);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.varint(BigInt(value.length));
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  packedInts(field: number, values: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(BigInt(v));
    return this.bytes(field, inner.finish());
  }

  packedFloats(field: number, values: readonly number[]): this {
    const bytes = new Uint8Array(4 * values.length);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setFloat32(4 * i, v, true));
    return this.bytes(field, bytes);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

export type AttributeValue = number | string | readonly number[] | { float: number } | { floats: readonly number[] };

export interface OnnxNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  /** Integers are written as INT; use { float } / { floats } (or a non-integer number) for FLOAT(S). */
  attributes?: Readonly<Record<string, AttributeValue>>;
}

export interface OnnxInitializer {
  name: string;
  dims: readonly number[];
  /** FLOAT or INT64 tensors. */
  data: Float32Array | BigInt64Array;
}

export interface OnnxValueInfo {
  name: string;
  /** Numbers for fixed sizes, strings for symbolic ones ("batch"). */
  shape: readonly (number | string)[];
  /** 1 = FLOAT (default), 7 = INT64. */
  elemType?: number;
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxInitializer[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  /** Default opset version (domain ""). */
  opset: number;
  producer: string;
  doc?: string;
  /** ModelProto.metadata_props */
  metadata?: Readonly<Record<string, string>>;
}

const FLOAT = 1;
const INT64 = 7;
const IR_VERSION = 8; // the IR of opset 17 (onnx 1.12)

function writeTensor(w: ProtoWriter, t: OnnxInitializer): void {
  w.packedInts(1, t.dims);
  w.int(2, t.data instanceof Float32Array ? FLOAT : INT64);
  w.string(8, t.name);
  // raw_data is little-endian; both typed arrays are, on every platform this runs on.
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function writeAttribute(w: ProtoWriter, name: string, value: AttributeValue): void {
  w.string(1, name);
  if (typeof value === 'string') {
    w.string(4, value).int(20, 3);
  } else if (typeof value === 'number') {
    if (Number.isInteger(value)) w.int(3, value).int(20, 2);
    else w.float(2, value).int(20, 1);
  } else if ('float' in value) {
    w.float(2, value.float).int(20, 1);
  } else if ('floats' in value) {
    w.packedFloats(7, value.floats).int(20, 6);
  } else {
    w.packedInts(8, value).int(20, 7);
  }
}

function writeValueInfo(w: ProtoWriter, info: OnnxValueInfo): void {
  w.string(1, info.name);
  w.message(2, (type) =>
    type.message(1, (tensorType) => {
      tensorType.int(1, info.elemType ?? FLOAT);
      tensorType.message(2, (shape) => {
        for (const dim of info.shape)
          shape.message(1, (d) => (typeof dim === 'number' ? d.int(1, dim) : d.string(2, dim)));
      });
    }),
  );
}

/** The serialized ModelProto. */
export function writeOnnxModel(graph: OnnxGraph): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, IR_VERSION);
  w.string(2, graph.producer);
  if (graph.doc) w.string(6, graph.doc);
  w.message(7, (g) => {
    for (const node of graph.nodes) {
      g.message(1, (n) => {
        for (const input of node.inputs) n.string(1, input);
        for (const output of node.outputs) n.string(2, output);
        if (node.name) n.string(3, node.name);
        n.string(4, node.op);
        for (const [name, value] of Object.entries(node.attributes ?? {}))
          n.message(5, (a) => writeAttribute(a, name, value));
      });
    }
    g.string(2, graph.name);
    for (const t of graph.initializers) g.message(5, (m) => writeTensor(m, t));
    for (const input of graph.inputs) g.message(11, (m) => writeValueInfo(m, input));
    for (const output of graph.outputs) g.message(12, (m) => writeValueInfo(m, output));
  });
  w.message(8, (o) => o.string(1, '').int(2, graph.opset));
  for (const [key, value] of Object.entries(graph.metadata ?? {}))
    w.message(14, (m) => m.string(1, key).string(2, value));
  return w.finish();
}
