// What an ONNX file of a model bundle may hold, checked on its bytes before onnxruntime (node or web)
// is handed them: every tensor's data inside the file (ONNX "external data" would make onnxruntime
// read a file it names, resolved against the working directory in Node: a bundle's backbone could
// take the user's package.json as weights), and only operators onnxruntime has built in (a custom
// domain needs a native library loaded into the process). The protobuf is walked by hand, as
// src/data/onnxWriter.ts writes it: just the messages that can hold tensors or nodes.
import { LIMITS, limitText } from './limits';

/** The operator domains onnxruntime has built in: ONNX's own ("" is "ai.onnx"), ONNX-ML, its contrib ops. */
export const ONNX_DOMAINS = ['', 'ai.onnx', 'ai.onnx.ml', 'com.microsoft'];

/** Graphs nested deeper than this (If/Loop bodies) are refused rather than walked. */
const MAX_DEPTH = 32;
/** Problems listed per file before the rest are counted. */
const MAX_PROBLEMS = 5;

class ProtobufError extends Error {}

/** One field of a protobuf message: its number, and its value (a number for varints, bytes otherwise). */
interface Field {
  number: number;
  wire: number;
  varint: bigint;
  bytes: Uint8Array;
  /** Where `bytes` start in the file, for messages. */
  at: number;
}

/** The fields of one message, in order; throws a ProtobufError on bytes that are not protobuf. */
function* fields(bytes: Uint8Array, at: number): Generator<Field> {
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (pos >= bytes.length) throw new ProtobufError(`a number runs past the end (byte ${at + pos})`);
      const byte = bytes[pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
    throw new ProtobufError(`a number longer than 10 bytes (byte ${at + pos})`);
  };
  const take = (length: number): Uint8Array => {
    if (length > bytes.length - pos) throw new ProtobufError(`a field runs past the end (byte ${at + pos})`);
    const out = bytes.subarray(pos, pos + length);
    pos += length;
    return out;
  };
  while (pos < bytes.length) {
    const start = pos;
    const key = varint();
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (number === 0) throw new ProtobufError(`field number 0 (byte ${at + start})`);
    if (wire === 0) yield { number, wire, varint: varint(), bytes: new Uint8Array(0), at: at + pos };
    else if (wire === 1 || wire === 5)
      yield { number, wire, varint: 0n, at: at + pos, bytes: take(wire === 1 ? 8 : 4) };
    else if (wire === 2) {
      const length = varint();
      if (length > BigInt(bytes.length - pos)) throw new ProtobufError(`a field runs past the end (byte ${at + pos})`);
      yield { number, wire, varint: 0n, at: at + pos, bytes: take(Number(length)) };
    } else throw new ProtobufError(`wire type ${wire} (byte ${at + start})`);
  }
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Walks the messages that hold tensors and nodes; collects what is not allowed. */
class Checker {
  readonly problems: string[] = [];

  private report(problem: string) {
    if (!this.problems.includes(problem)) this.problems.push(problem);
  }

  private nested(field: Field): [Uint8Array, number] | null {
    if (field.wire !== 2) {
      this.report(`field ${field.number} should hold a message (byte ${field.at})`);
      return null;
    }
    return [field.bytes, field.at];
  }

  model(bytes: Uint8Array) {
    let graphs = 0;
    for (const field of fields(bytes, 0)) {
      const message = field.number === 7 || field.number === 8 || field.number === 20 || field.number === 25;
      const inner = message ? this.nested(field) : null;
      if (!inner) continue;
      if (field.number === 7) {
        graphs++;
        this.graph(...inner, 0);
      } else if (field.number === 8) {
        this.opset(...inner);
      } else if (field.number === 20) {
        // TrainingInfoProto: initialization (1) and algorithm (2) graphs.
        for (const f of fields(...inner)) {
          const g = (f.number === 1 || f.number === 2) && this.nested(f);
          if (g) this.graph(...g, 1);
        }
      } else {
        this.function(...inner);
      }
    }
    if (graphs === 0) this.report('has no graph (not an ONNX model?)');
  }

  /** OperatorSetIdProto: domain (1). */
  private opset(bytes: Uint8Array, at: number) {
    for (const f of fields(bytes, at)) if (f.number === 1 && f.wire === 2) this.domain(text(f.bytes), 'opset_import');
  }

  private domain(domain: string, where: string) {
    if (!ONNX_DOMAINS.includes(domain)) {
      this.report(
        `${where} uses the operator domain "${domain}", which onnxruntime does not have built in (allowed: ${ONNX_DOMAINS.map((d) => `"${d}"`).join(', ')})`,
      );
    }
  }

  /** GraphProto: node (1), initializer (5), sparse_initializer (15). */
  private graph(bytes: Uint8Array, at: number, depth: number) {
    if (depth > MAX_DEPTH) {
      this.report(`graphs nest deeper than ${MAX_DEPTH} levels`);
      return;
    }
    for (const f of fields(bytes, at)) {
      const inner = f.number === 1 || f.number === 5 || f.number === 15 ? this.nested(f) : null;
      if (!inner) continue;
      if (f.number === 1) this.node(...inner, depth);
      else if (f.number === 5) this.tensor(...inner, 'initializer');
      else this.sparseTensor(...inner, 'sparse initializer');
    }
  }

  /** NodeProto: name (3), op_type (4), attribute (5), domain (7). */
  private node(bytes: Uint8Array, at: number, depth: number) {
    let name = '';
    let op = '';
    let domain = '';
    const attributes: [Uint8Array, number][] = [];
    for (const f of fields(bytes, at)) {
      if (f.wire !== 2) continue;
      if (f.number === 3) name = text(f.bytes);
      else if (f.number === 4) op = text(f.bytes);
      else if (f.number === 7) domain = text(f.bytes);
      else if (f.number === 5) attributes.push([f.bytes, f.at]);
    }
    const what = `node ${JSON.stringify(name || op)} (${op || 'no op'})`;
    this.domain(domain, what);
    for (const attribute of attributes) this.attribute(...attribute, what, depth);
  }

  /** AttributeProto: t (5), g (6), tensors (10), graphs (11), sparse_tensor (22), sparse_tensors (23). */
  private attribute(bytes: Uint8Array, at: number, node: string, depth: number) {
    for (const f of fields(bytes, at)) {
      if (![5, 6, 10, 11, 22, 23].includes(f.number)) continue;
      const inner = this.nested(f);
      if (!inner) continue;
      if (f.number === 5 || f.number === 10) this.tensor(...inner, `${node}: tensor`);
      else if (f.number === 6 || f.number === 11) this.graph(...inner, depth + 1);
      else this.sparseTensor(...inner, `${node}: sparse tensor`);
    }
  }

  /** SparseTensorProto: values (1), indices (2). */
  private sparseTensor(bytes: Uint8Array, at: number, where: string) {
    for (const f of fields(bytes, at)) {
      const inner = (f.number === 1 || f.number === 2) && this.nested(f);
      if (inner) this.tensor(...inner, where);
    }
  }

  /** TensorProto: name (8), external_data (13: key 1, value 2), data_location (14: 1 = EXTERNAL). */
  private tensor(bytes: Uint8Array, at: number, where: string) {
    let name = '';
    let external = false;
    let location: string | null = null;
    for (const f of fields(bytes, at)) {
      if (f.number === 8 && f.wire === 2) name = text(f.bytes);
      else if (f.number === 14 && f.wire === 0 && f.varint !== 0n) external = true;
      else if (f.number === 13 && f.wire === 2) {
        external = true;
        let key = '';
        let value = '';
        for (const entry of fields(f.bytes, f.at)) {
          if (entry.number === 1 && entry.wire === 2) key = text(entry.bytes);
          if (entry.number === 2 && entry.wire === 2) value = text(entry.bytes);
        }
        if (key === 'location') location = value;
      }
    }
    if (external) {
      const file = location === null ? '' : ` (${JSON.stringify(location)})`;
      this.report(
        `${where} ${JSON.stringify(name)} keeps its data in an external file${file}; a bundle's ONNX files must hold their weights themselves`,
      );
    }
  }

  /** FunctionProto (model-local functions): node (7), opset_import (9), domain (10). */
  private function(bytes: Uint8Array, at: number) {
    for (const f of fields(bytes, at)) {
      if (f.wire !== 2) continue;
      if (f.number === 10) this.domain(text(f.bytes), 'a model-local function');
      else if (f.number === 9) this.opset(f.bytes, f.at);
      else if (f.number === 7) this.node(f.bytes, f.at, 1);
    }
  }
}

/**
 * What is wrong with an ONNX file's bytes for a model bundle: its size over the limit, bytes that are
 * not an ONNX model, external data, operator domains onnxruntime does not have built in. Empty
 * when it may be handed to onnxruntime. Messages do not name the file; callers do.
 */
export function onnxProblems(bytes: Uint8Array): string[] {
  if (bytes.length > LIMITS.onnxBytes)
    return [`is ${bytes.length} bytes, more than ${limitText('onnxBytes', 'bytes')}`];
  const checker = new Checker();
  try {
    checker.model(bytes);
  } catch (error) {
    if (!(error instanceof ProtobufError)) throw error;
    return [`is not an ONNX file (its protobuf breaks off: ${error.message})`];
  }
  const { problems } = checker;
  return problems.length > MAX_PROBLEMS
    ? [...problems.slice(0, MAX_PROBLEMS), `and ${problems.length - MAX_PROBLEMS} more problems like these`]
    : problems;
}

/** An ONNX file that must not reach onnxruntime; the message names the file. */
export class OnnxFileError extends Error {
  override name = 'OnnxFileError';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
  }
}

/** Throws an OnnxFileError when `onnxProblems` finds anything: call before creating a session. */
export function checkOnnxFile(bytes: Uint8Array, file: string): void {
  const problems = onnxProblems(bytes);
  if (problems.length > 0) throw new OnnxFileError(file, problems);
}
