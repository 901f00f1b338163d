// A fixed test image for the reference network's parity fixture: smooth colour waves in [0, 1],
// [3, size, size] (NCHW), the same wherever it is computed (scripts/reference-net-fixture.ts made
// the TensorFlow.js side of src/evaluation/fixtures/mobilenetv2-tfjs.json from it).
export function referenceTestImage(size: number): Float32Array {
  const image = new Float32Array(3 * size * size);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        image[(c * size + y) * size + x] =
          0.5 + 0.5 * Math.sin(0.05 * x * (c + 1) + 0.08 * y) * Math.cos(0.03 * (x - y) + c);
  return image;
}
