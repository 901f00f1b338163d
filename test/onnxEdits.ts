// Hostile edits of a valid ONNX file, for the tests of src/data/onnxFile.ts: protobuf merges a
// repeated singular message field, so appending `graph { initializer {...} }` to a ModelProto adds an
// initializer to its graph, as onnxruntime would read it.

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) byte |= 0x80;
    out.push(byte);
  } while (v > 0);
  return out;
}

/** A length-delimited field (a message, string or bytes). */
export function field(number: number, ...parts: (Uint8Array | number[])[]): Uint8Array {
  const body = parts.flatMap((p) => [...p]);
  return Uint8Array.from([...varint((number << 3) | 2), ...varint(body.length), ...body]);
}

export function stringField(number: number, text: string): Uint8Array {
  return field(number, new TextEncoder().encode(text));
}

export function intField(number: number, value: number): Uint8Array {
  return Uint8Array.from([...varint(number << 3), ...varint(value)]);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** TensorProto: a float [1] named `name` whose data is in the external file `location`. */
export function externalTensor(name: string, location: string, withLocationFlag = true): Uint8Array {
  return concat(
    intField(1, 1), // dims [1]
    intField(2, 1), // FLOAT
    stringField(8, name),
    field(13, stringField(1, 'location'), stringField(2, location)),
    ...(withLocationFlag ? [intField(14, 1)] : []), // data_location EXTERNAL
  );
}

/** The model with one more initializer, whose data is in `location`. */
export function withExternalInitializer(model: Uint8Array, location = 'package.json'): Uint8Array {
  return concat(model, field(7, field(5, externalTensor('stolen', location))));
}

/** The model with a node of the operator domain `domain`, and that domain imported. */
export function withCustomNode(model: Uint8Array, domain = 'com.example.evil'): Uint8Array {
  const node = concat(
    stringField(1, 'voxels'),
    stringField(2, 'evil_out'),
    stringField(4, 'Evil'),
    stringField(7, domain),
  );
  return concat(model, field(7, field(1, node)), field(8, stringField(1, domain), intField(2, 1)));
}
