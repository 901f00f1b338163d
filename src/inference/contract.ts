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
  /**
   * Outputs beyond `outputs` the file may declare, each float32 with a declared shape [B, ...sizes]
   * (the decoder's conditioning, whose names and sizes are the file's own); absent: no others.
   */
  otherOutputs?: 'declared';
}

export type StageName =
  'adapter' | 'backbone' | 'prior' | 'decoderCondition' | 'decoder' | 'vaeDecoder' | 'imageEncoder';

/** The inputs of the decoder's step that are not the decoderCondition file's outputs. */
const STEP_INPUTS = ['z_t', 't'] as const;

/**
 * The contract of a stage's file. The decoder's step takes `tokens`, or, in a bundle with a
 * decoderCondition file, that file's outputs by name and shape (`conditioning`: what it declares):
 * the token-only work then runs once per reconstruction instead of at every step.
 */
export function contractOf(
  stage: StageName,
  model: ModelJson,
  subject?: string,
  conditioning?: readonly ValueInfo[],
): FileContract {
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
    case 'decoderCondition':
      return { inputs: { tokens }, outputs: {}, otherOutputs: 'declared' };
    case 'decoder': {
      const given = conditioning
        ? Object.fromEntries(conditioning.map((c) => [c.name, ['B', ...(c.shape ?? []).slice(1)] as DimSpec[]]))
        : { tokens };
      return {
        inputs: { z_t: latent, t: ['B'], ...given },
        outputs: { [model.decoder.parameterization]: latent },
      };
    }
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
  if (contract.otherOutputs === 'declared') {
    const others = session.outputs.filter((o) => !(o.name in contract.outputs));
    if (others.length === 0) problems.push('has no outputs');
    for (const { name, type, shape } of others) {
      if ((STEP_INPUTS as readonly string[]).includes(name))
        problems.push(`output ${name} has the name of another input of the decoder's step`);
      if (type !== null && type !== 'float32') problems.push(`output ${name} is ${type}, expected float32`);
      // The step file's inputs are checked against these shapes, so they must be declared.
      if (shape === null || typeof shape[0] === 'number' || shape.slice(1).some((d) => typeof d !== 'number'))
        problems.push(`output ${name} has shape ${shape ? formatShape(shape) : 'undeclared'}, expected [B, sizes...]`);
    }
  }
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
