import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOnnxModel } from './onnxWriter';
import {
  concat,
  externalTensor,
  field,
  intField,
  stringField,
  withCustomNode,
  withExternalInitializer,
} from '../../test/onnxEdits';
import { TinyModel } from '../../test/tinyModel';
import { checkOnnxFile, OnnxFileError, onnxProblems } from './onnxFile';

let tiny: TinyModel;
let adapter: Uint8Array;
beforeAll(async () => {
  tiny = await TinyModel.create();
  adapter = new Uint8Array(await readFile(join(tiny.brainDir, 'adapter-subj01.onnx')));
});
afterAll(() => tiny.dispose());

describe('onnxProblems (issue 16, finding 2)', () => {
  it('accepts the tiny bundles and every shipped ONNX file', async () => {
    const models = fileURLToPath(new URL('../../public/models/', import.meta.url));
    const files = [
      ...(await readdir(tiny.brainDir)).map((f) => join(tiny.brainDir, f)),
      ...(await readdir(tiny.imageDir)).map((f) => join(tiny.imageDir, f)),
    ];
    for (const bundle of await readdir(models, { withFileTypes: true }).catch(() => [])) {
      if (bundle.isDirectory())
        files.push(...(await readdir(join(models, bundle.name))).map((f) => join(models, bundle.name, f)));
    }
    const onnx = files.filter((f) => f.endsWith('.onnx'));
    expect(onnx.length).toBeGreaterThan(6);
    for (const file of onnx) expect(onnxProblems(new Uint8Array(await readFile(file))), file).toEqual([]);
  });

  it('refuses an initializer whose data is in an external file, naming that file', () => {
    expect(onnxProblems(withExternalInitializer(adapter))).toEqual([
      'initializer "stolen" keeps its data in an external file ("package.json"); a bundle\'s ONNX files must hold their weights themselves',
    ]);
  });

  it('refuses external data flagged either way, in attributes and subgraphs too', () => {
    const onlyEntries = concat(adapter, field(7, field(5, externalTensor('w', '/etc/passwd', false))));
    expect(onnxProblems(onlyEntries)).toEqual([
      expect.stringMatching(/^initializer "w" keeps its data in an external file \("\/etc\/passwd"\)/),
    ]);

    const constant = concat(
      stringField(3, 'c'),
      stringField(4, 'Constant'),
      field(5, stringField(1, 'value'), field(5, externalTensor('k', '../../x.bin')), intField(20, 4)),
    );
    expect(onnxProblems(concat(adapter, field(7, field(1, constant))))).toEqual([
      expect.stringMatching(
        /^node "c" \(Constant\): tensor "k" keeps its data in an external file \("\.\.\/\.\.\/x\.bin"\)/,
      ),
    ]);

    const body = concat(stringField(2, 'body'), field(5, externalTensor('deep', 'secret')));
    const ifNode = concat(
      stringField(4, 'If'),
      field(5, stringField(1, 'then_branch'), field(6, body), intField(20, 5)),
    );
    expect(onnxProblems(concat(adapter, field(7, field(1, ifNode))))).toEqual([
      expect.stringMatching(/^initializer "deep" keeps its data in an external file \("secret"\)/),
    ]);
  });

  it('refuses operator domains onnxruntime does not have built in, and accepts its own', () => {
    expect(onnxProblems(withCustomNode(adapter))).toEqual([
      'node "Evil" (Evil) uses the operator domain "com.example.evil", which onnxruntime does not have built in (allowed: "", "ai.onnx", "ai.onnx.ml", "com.microsoft")',
      'opset_import uses the operator domain "com.example.evil", which onnxruntime does not have built in (allowed: "", "ai.onnx", "ai.onnx.ml", "com.microsoft")',
    ]);
    expect(onnxProblems(withCustomNode(adapter, 'com.microsoft'))).toEqual([]);
  });

  it('says bytes that are not ONNX are not, without throwing', () => {
    expect(onnxProblems(adapter.subarray(0, adapter.length - 7))).toEqual([
      expect.stringMatching(
        /^is not an ONNX file \(its protobuf breaks off: a field runs past the end \(byte \d+\)\)$/,
      ),
    ]);
    expect(onnxProblems(new TextEncoder().encode('<html>404</html>'))).toEqual([
      expect.stringMatching(/^is not an ONNX file/),
    ]);
    expect(onnxProblems(new Uint8Array(0))).toEqual(['has no graph (not an ONNX model?)']);
  });

  it('refuses graphs nested past the depth limit instead of overflowing the stack', () => {
    let graph = stringField(2, 'leaf');
    for (let i = 0; i < 40; i++)
      graph = concat(
        stringField(2, `g${i}`),
        field(1, stringField(4, 'If'), field(5, stringField(1, 'then_branch'), field(6, graph))),
      );
    expect(onnxProblems(field(7, graph))).toEqual(['graphs nest deeper than 32 levels']);
  });

  it('throws an OnnxFileError naming the file for checkOnnxFile', () => {
    const model = writeOnnxModel({
      name: 'g',
      nodes: [],
      initializers: [],
      inputs: [{ name: 'x', shape: [1] }],
      outputs: [{ name: 'x', shape: [1] }],
      opset: 17,
      producer: 'test',
    });
    expect(() => checkOnnxFile(model, 'ok.onnx')).not.toThrow();
    expect(() => checkOnnxFile(withExternalInitializer(model), 'backbone.onnx')).toThrow(OnnxFileError);
    expect(() => checkOnnxFile(withExternalInitializer(model), 'backbone.onnx')).toThrow(
      /^backbone\.onnx: initializer "stolen"/,
    );
  });
});
