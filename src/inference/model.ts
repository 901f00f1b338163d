// A loaded model bundle: model.json and one engine session per ONNX file, each checked against its
// contract. It owns the sessions and disposes them together (one owner, one disposer).
import { BundleReadError, errorText, type BundleSource } from '../data/bundleSource';
import { sha256Hex } from '../data/gallery';
import type { ModelJson } from '../data/modelSchema';
import { checkOnnxFile } from '../data/onnxFile';
import { MODEL_FILE, readModelJson } from '../data/validateModel';
import { problemLines } from '../data/validation';
import { contractOf, contractProblems, type FileContract, type StageName } from './contract';
import type { AnyTensor, DeviceOps, DeviceTensor, Engine, EngineSession, HostTensor } from './engine';

/** A model bundle that cannot be used; `problems` lists every reason as `<file>: <message>`. */
export class ModelLoadError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ModelLoadError';
  }
}

export interface LoadModelOptions {
  /** The subjects whose adapters to load; default all of model.json's. */
  subjects?: readonly string[];
}

type SharedStage = Exclude<StageName, 'adapter'>;
type Sessions = Readonly<Record<Exclude<SharedStage, 'decoderCondition'>, EngineSession>> & {
  readonly decoderCondition?: EngineSession;
};

/**
 * What the decoder's steps are conditioned on, by the step file's input names: the tokens, or what
 * the bundle's decoderCondition file made of them, once for every step of a reconstruction.
 */
export type DecoderConditioning<T extends AnyTensor = HostTensor> = Readonly<Record<string, T>>;

export class MindEyeModel {
  private constructor(
    readonly json: ModelJson,
    private readonly adapters: ReadonlyMap<string, EngineSession>,
    private readonly sessions: Sessions,
    /** Whether the backbone gives a blurry_latent (the low-level image). */
    readonly hasBlurry: boolean,
    /** The engine's device memory, when the prior and the decoder can run on it: the samplers loop there. */
    readonly device: DeviceOps | null,
    /** SHA-256 of the image encoder's file: which precomputed retrieval gallery of a dataset is its own. */
    readonly imageEncoderSha256: string,
  ) {}

  static async load(source: BundleSource, engine: Engine, options: LoadModelOptions = {}): Promise<MindEyeModel> {
    // model.json only: the ONNX files are read once, below, and a missing one is reported there.
    const { model, problems } = await readModelJson(source);
    if (!model || problems.length > 0) throw new ModelLoadError(problemLines(problems));
    const subjects = options.subjects ?? Object.keys(model.subjects);
    // Own keys only: a subject named "constructor" is not Object.prototype's.
    const unknown = subjects.filter((s) => !Object.hasOwn(model.subjects, s));
    if (unknown.length > 0) {
      throw new ModelLoadError([
        `${MODEL_FILE}: model ${model.id} has no subject ${unknown.join(', ')} (it has ${Object.keys(model.subjects).join(', ')})`,
      ]);
    }

    const specs: { stage: StageName; subject?: string; path: string }[] = [
      ...subjects.map((subject) => ({ stage: 'adapter' as const, subject, path: model.subjects[subject]!.adapter })),
      ...Object.entries(model.files).flatMap(([stage, path]) =>
        path === undefined ? [] : [{ stage: stage as SharedStage, path }],
      ),
    ];
    const loaded = await Promise.allSettled(specs.map((spec) => openSession(source, engine, model, spec)));
    const errors = loaded.flatMap((r) => (r.status === 'rejected' ? [errorText(r.reason)] : []));
    const opened = loaded.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const sessions = opened.map((o) => o.session);
    const shared = Object.fromEntries(
      specs.slice(subjects.length).map((spec, i) => [spec.stage, sessions[subjects.length + i]!]),
    ) as Sessions;
    // The split decoder's step is held to its condition file's outputs, once both are open.
    if (errors.length === 0 && shared.decoderCondition) {
      const contract = contractOf('decoder', model, undefined, shared.decoderCondition.outputs);
      errors.push(...contractErrors(shared.decoder, contract, 'decoder'));
    }
    if (errors.length > 0) {
      await Promise.all(sessions.map((s) => s.dispose()));
      throw new ModelLoadError(errors);
    }
    const adapters = new Map(subjects.map((subject, i) => [subject, sessions[i]!]));
    const hasBlurry = shared.backbone.outputs.some((o) => o.name === 'blurry_latent');
    const steps = [shared.prior, shared.decoder, shared.decoderCondition ?? shared.decoder];
    const onDevice = engine.device && steps.every((s) => s.runOnDevice) ? engine.device : null;
    const encoderSha256 = opened[specs.findIndex((spec) => spec.stage === 'imageEncoder')]!.sha256!;
    return new MindEyeModel(model, adapters, shared, hasBlurry, onDevice, encoderSha256);
  }

  get subjects(): string[] {
    return [...this.adapters.keys()];
  }

  /** voxels [B, V_s] -> shared [B, H] */
  async adapter(subject: string, voxels: HostTensor): Promise<HostTensor> {
    const session = this.adapters.get(subject);
    if (!session) throw new Error(`no adapter loaded for subject ${subject} (loaded: ${this.subjects.join(', ')})`);
    const bad = voxels.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      const [, width = voxels.data.length] = voxels.dims;
      throw new Error(
        `the voxels of ${subject} hold ${voxels.data[bad]} (sample ${Math.floor(bad / width)}, voxel ${bad % width}): not fed to ${session.file}`,
      );
    }
    return output(session, { voxels }, 'shared');
  }

  /** shared [B, H] -> clip_tokens [B,T,D], retrieval [B,E], blurry_latent [B,C,h,w] (when the backbone has it) */
  async backbone(
    shared: HostTensor,
  ): Promise<{ clipTokens: HostTensor; retrieval: HostTensor; blurryLatent: HostTensor | null }> {
    const outputs = await this.sessions.backbone.run({ shared });
    return {
      clipTokens: required(outputs, 'clip_tokens', this.sessions.backbone),
      retrieval: required(outputs, 'retrieval', this.sessions.backbone),
      blurryLatent: outputs.blurry_latent
        ? finite(outputs.blurry_latent, 'blurry_latent', this.sessions.backbone)
        : null,
    };
  }

  /** One prior step: its output (named by the parameterization) for x_t [B,T,D] at float timestep t. */
  async priorStep(xT: HostTensor, t: number, cond: HostTensor): Promise<HostTensor> {
    const batch = xT.dims[0]!;
    const feeds = { x_t: xT, t: timesteps(t, batch), cond };
    return output(this.sessions.prior, feeds, this.json.prior.parameterization);
  }

  /** What the decoder's steps need of tokens [B,T,D]: computed once for all the steps of a run. */
  async conditionDecoder(tokens: HostTensor): Promise<DecoderConditioning> {
    const session = this.sessions.decoderCondition;
    if (!session) return { tokens };
    const outputs = await session.run({ tokens });
    for (const [name, value] of Object.entries(outputs)) finite(value, name, session);
    return outputs;
  }

  /** conditionDecoder with the result in device memory; dispose each tensor when the run is done. */
  async conditionDecoderOnDevice(tokens: HostTensor): Promise<DecoderConditioning<DeviceTensor>> {
    const session = this.sessions.decoderCondition;
    if (session) return session.runOnDevice!({ tokens });
    if (!this.device) throw new Error(`model ${this.json.id}: no device engine to keep the tokens on`);
    return { tokens: this.device.upload(tokens) };
  }

  /** One decoder step: its output (named by the parameterization) for z_t [B,C,h,w] at float timestep t. */
  async decoderStep(zT: HostTensor, t: number, conditioning: DecoderConditioning): Promise<HostTensor> {
    const batch = zT.dims[0]!;
    const feeds = { ...conditioning, z_t: zT, t: timesteps(t, batch) };
    return output(this.sessions.decoder, feeds, this.json.decoder.parameterization);
  }

  /** priorStep with x_t and the output in device memory (cond may be on either side). */
  async priorStepOnDevice(xT: DeviceTensor, t: number, cond: AnyTensor): Promise<DeviceTensor> {
    const feeds = { x_t: xT, t: timesteps(t, xT.dims[0]!), cond };
    return deviceOutput(this.sessions.prior, feeds, this.json.prior.parameterization);
  }

  /** decoderStep with z_t, the conditioning and the output in device memory. */
  async decoderStepOnDevice(
    zT: DeviceTensor,
    t: number,
    conditioning: DecoderConditioning<AnyTensor>,
  ): Promise<DeviceTensor> {
    const feeds = { ...conditioning, z_t: zT, t: timesteps(t, zT.dims[0]!) };
    return deviceOutput(this.sessions.decoder, feeds, this.json.decoder.parameterization);
  }

  /** z [B,C,h,w] (unscaled) -> image [B,3,S,S] in [0,1] */
  async vaeDecode(z: HostTensor): Promise<HostTensor> {
    return output(this.sessions.vaeDecoder, { z }, 'image');
  }

  /** image [B,3,S,S] in [0,1] -> tokens [B,T,D], embedding [B,E] */
  async encodeImage(image: HostTensor): Promise<{ tokens: HostTensor; embedding: HostTensor }> {
    const outputs = await this.sessions.imageEncoder.run({ image });
    return {
      tokens: required(outputs, 'tokens', this.sessions.imageEncoder),
      embedding: required(outputs, 'embedding', this.sessions.imageEncoder),
    };
  }

  async dispose(): Promise<void> {
    const sessions: EngineSession[] = [...this.adapters.values(), ...Object.values(this.sessions)];
    await Promise.all(sessions.map((s) => s.dispose()));
  }
}

async function openSession(
  source: BundleSource,
  engine: Engine,
  model: ModelJson,
  spec: { stage: StageName; subject?: string; path: string },
): Promise<{ session: EngineSession; sha256: string | null }> {
  let bytes: Uint8Array;
  try {
    bytes = await source.read(spec.path, { limit: 'onnxBytes' });
  } catch (error) {
    throw new Error(`${spec.path}: ${error instanceof BundleReadError ? error.message : errorText(error)}`);
  }
  // No external data, no custom operator domains: checked here, before any engine sees the bytes.
  checkOnnxFile(bytes, spec.path);
  const sha256 = spec.stage === 'imageEncoder' ? await sha256Hex(bytes) : null;
  const session = await engine.createSession(bytes, spec.path);
  // A split decoder's step is checked in load, against its condition file.
  if (spec.stage === 'decoder' && model.files.decoderCondition !== undefined) return { session, sha256 };
  const what = spec.subject === undefined ? spec.stage : `adapter of ${spec.subject}`;
  const errors = contractErrors(session, contractOf(spec.stage, model, spec.subject), what);
  if (errors.length > 0) {
    await session.dispose();
    throw new Error(errors[0]);
  }
  return { session, sha256 };
}

/** The session's contract problems as one line naming the file and the stage; none when it fits. */
function contractErrors(session: EngineSession, contract: FileContract, what: string): string[] {
  const problems = contractProblems(session, contract);
  return problems.length > 0 ? [`${session.file} (the ${what}): ${problems.join('; ')}`] : [];
}

function timesteps(t: number, batch: number): HostTensor {
  return { dims: [batch], data: new Float32Array(batch).fill(t) };
}

/** Runs on the device and keeps one output; the others are released at once. */
async function deviceOutput(
  session: EngineSession,
  feeds: Record<string, AnyTensor>,
  name: string,
): Promise<DeviceTensor> {
  const outputs = await session.runOnDevice!(feeds);
  const kept = outputs[name];
  for (const [other, tensor] of Object.entries(outputs)) if (other !== name) tensor.dispose();
  if (!kept) throw new Error(`${session.file}: no output "${name}"`);
  return kept;
}

async function output(session: EngineSession, feeds: Record<string, HostTensor>, name: string): Promise<HostTensor> {
  return required(await session.run(feeds), name, session);
}

function required(outputs: Record<string, HostTensor>, name: string, session: EngineSession): HostTensor {
  const value = Object.hasOwn(outputs, name) ? outputs[name] : undefined;
  if (!value) throw new Error(`${session.file} gave no output "${name}"`);
  return finite(value, name, session);
}

/**
 * A NaN or infinity in an output is a failure of the run, named, never a result: it would become
 * a black image, "NaN" similarities and a rank among the candidates.
 */
function finite(tensor: HostTensor, name: string, session: EngineSession): HostTensor {
  const bad = tensor.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`${session.file} gave ${tensor.data[bad]} in "${name}" (at index ${bad})`);
  return tensor;
}
