// Runs the ONNX parity checks on onnxruntime-node's WebGPU execution provider and prints the results
// as one JSON line. A separate process because the WebGPU EP needs its Vulkan driver chosen by
// environment variables before onnxruntime starts (SwiftShader, from Debian's chromium here):
//   LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json \
//   node --import tsx test/webgpuParity.ts <folder> [file.onnx ...]
// Node only.
import { createOrtNodeEngine } from '../src/node/ortEngine';
import { FILE_MARKER, onnxFilesWithFixtures } from './parity';
import { onnxParity, type ParityResult } from './parityChecks';

async function main([folder, ...only]: string[]): Promise<void> {
  if (!folder) throw new Error('usage: webgpuParity.ts <bundle folder> [file.onnx ...]');
  // Verbose logging lists the nodes placed on the CPU EP (a GPU<->CPU copy each, DESIGN §8).
  const engine = createOrtNodeEngine({ executionProvider: 'webgpu', logSeverityLevel: 0 });
  const files = (await onnxFilesWithFixtures(folder))
    .map((f) => f.file)
    .filter((f) => only.length === 0 || only.includes(f));
  const results: ParityResult[] = [];
  for (const file of files) {
    // stderr is synchronous on Linux pipes, so this marker precedes the file's own native log lines.
    process.stderr.write(`${FILE_MARKER}${file}\n`);
    results.push(...(await onnxParity(engine, folder, file)));
  }
  process.stdout.write(`PARITY ${JSON.stringify(results)}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stdout.write(`PARITY-ERROR ${JSON.stringify(error instanceof Error ? error.message : String(error))}\n`);
  process.exitCode = 1;
});
