// What each ONNX file of a model bundle must take and give (docs/model-format.md, "Files"), checked
// against what the file declares when it is loaded: a file with other names or shapes is refused with
// a message naming it, instead of failing inside the first run (DESIGN §9).
import type { ModelJson } from '../data/modelSchema';
import type { EngineSession, ValueInfo } from './engine';

/** A dim is a number the file must declare (or leave symbolic), or 'B', the batch axis. */
export type DimSpec = number | 'B';
export type IoSpec = Record<string, readonly DimSpec[]>;

export interface FileContract {
  inputs: IoSpec;
  outputs: IoSpec;
  /** Outputs the file may leave out (the backbone's blurry_latent). */
  optionalOutputs?: readonly string[];
}

export type StageName = 'adapter' | 'backbone' | 'prior' | 'decoder' | 'vaeDecoder' | 'imageEncoder';

export function contractOf(stage: StageName, model: ModelJson, subject?: string): FileContract {
  const { H, T, D, E, C, h, w, S } = model.dims;
  const tokens = ['B', T, D] as const;
  const latent = ['B', C, h, w] as const;
  switch (stage) {
    case 'adapter': {
      const voxels = subject === undefined ? undefined : model.subjects[subject]?.voxelCount;
      if (voxels === undefined) throw new Error(`model ${model.id} has no subject ${subject}`);
      return { inputs: { voxels: ['B', voxels] }, outputs: { shared: ['B', H] } };
    }
    case 'backbone':
      return {
        inputs: { shared: ['B', H] },
        outputs: { clip_tokens: tokens, retrieval: ['B', E], blurry_latent: latent },
        optionalOutputs: ['blurry_latent'],
      };
    case 'prior':
      // The output is named after what it predicts: model.json's parameterization (x0 for the mini prior).
      return {
        inputs: { x_t: tokens, t: ['B'], cond: tokens },
        outputs: { [model.prior.parameterization]: tokens },
      };
    case 'decoder':
      return {
        inputs: { z_t: latent, t: ['B'], tokens },
        outputs: { [model.decoder.parameterization]: latent },
      };
    case 'vaeDecoder':
      return { inputs: { z: latent }, outputs: { image: ['B', 3, S, S] } };
    case 'imageEncoder':
      return { inputs: { image: ['B', 3, S, S] }, outputs: { tokens, embedding: ['B', E] } };
  }
}

/** Every way the session differs from the contract, as sentences; empty when it fits. */
export function contractProblems(session: EngineSession, contract: FileContract): string[] {
  const problems: string[] = [];
  const check = (
    kind: 'input' | 'output',
    declared: readonly ValueInfo[],
    spec: IoSpec,
    optional: readonly string[],
  ) => {
    const names = declared.map((v) => v.name);
    for (const [name, dims] of Object.entries(spec)) {
      const value = declared.find((v) => v.name === name);
      if (!value) {
        if (!optional.includes(name))
          problems.push(`has no ${kind} "${name}" (its ${kind}s: ${names.join(', ') || 'none'})`);
        continue;
      }
      if (value.type !== null && value.type !== 'float32')
        problems.push(`${kind} ${name} is ${value.type}, expected float32`);
      if (value.shape !== null && !shapeFits(value.shape, dims)) {
        problems.push(`${kind} ${name} has shape ${formatShape(value.shape)}, model.json says ${formatShape(dims)}`);
      }
    }
    if (kind === 'input') {
      const extra = names.filter((n) => !(n in spec));
      if (extra.length > 0) problems.push(`has inputs the contract does not feed: ${extra.join(', ')}`);
    }
  };
  check('input', session.inputs, contract.inputs, []);
  check('output', session.outputs, contract.outputs, contract.optionalOutputs ?? []);
  return problems;
}

/**
 * A symbolic or unknown dim fits any size. The batch axis must be symbolic: a file exported with a
 * fixed batch would break the batched guidance and the batched evaluation.
 */
function shapeFits(shape: readonly (number | string | null)[], spec: readonly DimSpec[]): boolean {
  if (shape.length !== spec.length) return false;
  return spec.every((want, i) => {
    const have = shape[i];
    if (typeof have !== 'number') return true;
    return want === 'B' ? false : have === want;
  });
}

function formatShape(shape: readonly (number | string | null)[]): string {
  return `[${shape.map((d) => d ?? '?').join(', ')}]`;
}
