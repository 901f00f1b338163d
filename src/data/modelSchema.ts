// The model bundle format `mindeye-web/models@1`, defined once; docs/model-format.md explains it.
// Objects are strict, as in dataset.json: an unknown key is more often a typo than a new field.
// `scores`, `quantization` entries and `provenance.notes` are the free-form parts.
import { z } from 'zod';
import { isBundlePath, ownRecord } from './datasetSchema';
import { LIMITS, limitText } from './limits';

export const MODEL_FORMAT = 'mindeye-web/models@1';

/**
 * A path in model.json: a bundle path, optionally behind one leading '../' that reaches a sibling
 * bundle folder (the shared image-side files). Nothing further up: a bundle is data only and may
 * never name a file outside the folder its bundles sit in.
 */
export function isModelPath(path: string): boolean {
  return isBundlePath(path.startsWith('../') ? path.slice(3) : path);
}

const onnxPath = z
  .string()
  .refine(isModelPath, 'must be a relative path in the bundle or, after one "../", in a sibling bundle')
  .refine((p) => p.endsWith('.onnx'), 'must be an .onnx file');
const name = z.string().min(1);
const count = z.int().positive();
const parameterization = z.enum(['x0', 'eps', 'v']);

/**
 * A noise schedule: ā over `trainSteps` timesteps, strictly decreasing in [0, 1). ā = 0 (pure noise,
 * where a cosine schedule written with few decimals ends) works for x0 and v outputs; an eps output
 * cannot give x̂0 there, so eps schedules must stay above 0.
 */
const schedule = {
  parameterization,
  trainSteps: z.int().min(2),
  steps: samplerSteps(),
  alphasCumprod: z.array(z.number().min(0).lt(1)),
};

/** A number of steps the app may run: within LIMITS.samplerSteps (src/data/limits.ts). */
function samplerSteps() {
  return z
    .int()
    .min(2)
    .max(LIMITS.samplerSteps, {
      error: (issue) => `${String(issue.input)} is more than ${limitText('samplerSteps', 'steps')}`,
    });
}

function checkSchedule(
  s: { parameterization: string; trainSteps: number; steps: number; alphasCumprod: number[]; maxSteps?: number },
  ctx: z.RefinementCtx,
) {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (s.alphasCumprod.length !== s.trainSteps) {
    issue('alphasCumprod', `has ${s.alphasCumprod.length} values, but trainSteps is ${s.trainSteps}`);
  } else if (s.alphasCumprod.some((a, i) => i > 0 && a >= s.alphasCumprod[i - 1]!)) {
    issue('alphasCumprod', 'must decrease with the timestep');
  } else if (s.parameterization === 'eps' && s.alphasCumprod.includes(0)) {
    issue('alphasCumprod', 'reaches 0, where an eps model cannot predict x0');
  }
  const max = s.maxSteps ?? s.trainSteps;
  if (s.steps > max)
    issue('steps', `${s.steps} is more than ${s.maxSteps === undefined ? 'trainSteps' : 'maxSteps'} (${max})`);
  if (s.maxSteps !== undefined && s.maxSteps > s.trainSteps) {
    issue('maxSteps', `${s.maxSteps} is more than trainSteps (${s.trainSteps})`);
  }
}

/** A number of values one sample of a tensor holds, within LIMITS.modelTensorValues. */
function tensorValues() {
  return count.max(LIMITS.modelTensorValues, {
    error: (issue) => `${String(issue.input)} is more than ${limitText('modelTensorValues', 'values')}`,
  });
}

/**
 * The dims, with the tensor of one sample each makes the app allocate held to the limit: checked
 * here, before any buffer of a run is taken (noise, latents, images, guidance batches).
 */
const dimsSchema = z
  .strictObject({ H: tensorValues(), T: count, D: count, E: tensorValues(), C: count, h: count, w: count, S: count })
  .superRefine((d, ctx) => {
    const tensors: [string, number][] = [
      ['clip_tokens T·D', d.T * d.D],
      ['the latent C·h·w', d.C * d.h * d.w],
      ['the image 3·S·S', 3 * d.S * d.S],
    ];
    for (const [what, values] of tensors) {
      if (values > LIMITS.modelTensorValues) {
        ctx.addIssue({
          code: 'custom',
          message: `${what} is ${values.toLocaleString('en-US')} values a sample, more than ${limitText('modelTensorValues', 'values')}`,
        });
      }
    }
  });

const subjectSchema = z.strictObject({
  voxelCount: tensorValues(),
  voxelOrder: z.enum(['fortran', 'c']),
  adapter: onnxPath,
});

/** One row of an evaluation table (the CLI's columns), e.g. a baseline a bundle was compared with. */
export const metricRowSchema = z.strictObject({
  name: name,
  pixCorr: z.number().optional(),
  ssim: z.number().optional(),
  twoWay: z.number().optional(),
  twoWayMobileNetV2: z.number().optional(),
  imageRetrieval: z.number().optional(),
  brainRetrieval: z.number().optional(),
  note: z.string().optional(),
});

/** A subject's scores: free-form numbers, plus rows for the evaluation table. */
const subjectScoresSchema = z.looseObject({ extraRows: z.array(metricRowSchema).optional() });

export const modelSchema = z.strictObject({
  format: z.literal(MODEL_FORMAT),
  id: name,
  name: name,
  description: z.string(),
  family: name,
  dims: dimsSchema,
  subjects: ownRecord(name, subjectSchema).refine((s) => Object.keys(s).length > 0, 'needs at least one subject'),
  files: z.strictObject({
    backbone: onnxPath,
    prior: onnxPath,
    // optional: the decoder's token-only part, run once per reconstruction; the decoder's step then
    // takes its outputs instead of the tokens (docs/model-format.md)
    decoderCondition: onnxPath.optional(),
    decoder: onnxPath,
    vaeDecoder: onnxPath,
    imageEncoder: onnxPath,
  }),
  // Descriptive only (what the exporter did to each file's weights): `weights` is required, the rest free.
  quantization: ownRecord(z.string(), z.looseObject({ weights: name })).optional(),
  // The prior has no maxSteps: its trainSteps is the most steps the app offers, so it is held to the limit.
  prior: z.strictObject({ ...schedule, trainSteps: samplerSteps() }).superRefine(checkSchedule),
  decoder: z
    .strictObject({
      ...schedule,
      maxSteps: samplerSteps(),
      cfgScale: z.number().positive(),
      maxCfgScale: z.number().positive(),
      unconditional: z.literal('zeros'),
      // img2img from the backbone's blurry_latent at this strength; absent: from pure noise
      img2imgStrength: z.number().gt(0).max(1).optional(),
      // the shown image's share of the low-level (blurry) image; absent: 0, the decoder's image alone
      blurryBlend: z.number().min(0).lt(1).optional(),
    })
    .superRefine((d, ctx) => {
      checkSchedule(d, ctx);
      if (d.cfgScale > d.maxCfgScale) {
        ctx.addIssue({
          code: 'custom',
          path: ['cfgScale'],
          message: `${d.cfgScale} is more than maxCfgScale (${d.maxCfgScale})`,
        });
      }
    }),
  latent: z.strictObject({ scale: z.number().positive() }),
  retrieval: z.strictObject({ similarity: z.literal('cosine') }),
  provenance: z.strictObject({
    profile: name,
    hardware: z.string().optional(),
    wallSeconds: z.number().nonnegative().optional(),
    trainingData: z.string(),
    sessionsPerSubject: ownRecord(name, z.int().nonnegative()),
    codeVersion: z.string(),
    seed: z.int(),
    notes: z.unknown().optional(),
  }),
  scores: ownRecord(name, subjectScoresSchema).optional(),
});

export type ModelJson = z.infer<typeof modelSchema>;
export type ModelSubjectJson = ModelJson['subjects'][string];
export type MetricRowJson = z.infer<typeof metricRowSchema>;
export type ModelFileKey = keyof ModelJson['files'];
