// The smallest model an engine can open. Creating a session from it starts onnxruntime-web's
// runtime (downloading and compiling its 14 MB WASM binary, or making the WebGPU device), which
// otherwise waits for the first model file: started with the engine, it overlaps the reads of the
// dataset and the model bundle.
import { writeOnnxModel } from '../data/onnxWriter';

export function warmupModel(): Uint8Array {
  return writeOnnxModel({
    name: 'warmup',
    producer: 'mindeye-web',
    opset: 17,
    nodes: [{ op: 'Identity', inputs: ['x'], outputs: ['y'] }],
    initializers: [],
    inputs: [{ name: 'x', shape: [1] }],
    outputs: [{ name: 'y', shape: [1] }],
  });
}
