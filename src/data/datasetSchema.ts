// The dataset bundle format `mindeye-web/dataset@1`, defined once; docs/dataset-format.md explains it.
// Objects are strict: an unknown key is far more often a typo ("voxelcount") than a new field, and a
// new field belongs in the doc and here first.
import { z } from 'zod';

const DATASET_FORMAT = 'mindeye-web/dataset@1';

/**
 * A path inside the bundle: relative, '/'-separated, no '.' or '..' segments, and none of the
 * characters that would let a URL or a drive letter in (':'), or that URL resolution rewrites
 * ('\\' is a separator to it, '%2e%2e' is '..', '?' and '#' end the path). A bundle is data only,
 * so it may never name a file outside itself.
 */
export function isBundlePath(path: string): boolean {
  if (/[\\:?#%]/.test(path)) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/**
 * A record keyed by ids (subjects, label values): parsed into an object without a prototype, so a
 * key is looked up among its own keys only, and a subject named "constructor" or "toString" finds
 * its own entry or nothing, never Object.prototype's member. ("__proto__" keys are refused when the
 * JSON is read: readJsonFile.)
 */
export function ownRecord<K extends z.core.$ZodRecordKey, V extends z.ZodType>(key: K, value: V) {
  return z.record(key, value).transform((record) => Object.assign(Object.create(null) as typeof record, record));
}

const bundlePath = z
  .string()
  .refine(isBundlePath, 'must be a relative path inside the bundle (no leading "/", no "..", no URL)');
const niftiPath = bundlePath.refine((p) => /\.nii(\.gz)?$/.test(p), 'must be a .nii or .nii.gz file');
const imagePath = bundlePath.refine((p) => /\.(png|webp)$/i.test(p), 'must be a .png or .webp file');
const name = z.string().min(1);
const splitSchema = z.enum(['train', 'test']);

const betasSchema = z
  .strictObject({
    path: bundlePath,
    dtype: z.enum(['int8', 'int16', 'float16', 'float32']),
    scale: z.number().positive().optional(),
    rows: z.enum(['single-trial', 'repeat-average']),
    /** per voxel within each session, or on the training trials' statistics (MindEye2's files) */
    zscored: z.enum(['session', 'train']),
  })
  .superRefine((betas, ctx) => {
    if (betas.dtype.startsWith('int') && betas.scale === undefined) {
      ctx.addIssue({ code: 'custom', path: ['scale'], message: `required for ${betas.dtype} betas` });
    }
  });

const subjectSchema = z
  .strictObject({
    id: name,
    anatomy: niftiPath,
    roi: niftiPath,
    roiLabels: ownRecord(z.string().regex(/^(0|[1-9][0-9]*)$/, 'label values are non-negative integers'), name),
    maskLabels: z.array(z.int().nonnegative()).min(1),
    voxelOrder: z.enum(['fortran', 'c']),
    voxelCount: z.int().positive(),
    betas: betasSchema.optional(),
    trials: bundlePath.optional(),
    encoding: z.strictObject({ path: bundlePath, columns: z.array(name).min(1) }).optional(),
  })
  .superRefine((subject, ctx) => {
    if (subject.betas && subject.trials === undefined) {
      ctx.addIssue({ code: 'custom', path: ['trials'], message: 'required when betas are given' });
    }
    if (!subject.betas && subject.trials !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['trials'], message: 'given without betas' });
    }
    subject.maskLabels.forEach((label, i) => {
      if (!(String(label) in subject.roiLabels)) {
        ctx.addIssue({ code: 'custom', path: ['maskLabels', i], message: `label ${label} is not in roiLabels` });
      }
    });
  });

const imageSchema = z.strictObject({
  id: name,
  file: imagePath,
  split: splitSchema,
  caption: z.string().optional(),
  categories: z.array(name).optional(),
  scene: z.record(z.string(), z.unknown()).optional(),
  trials: ownRecord(z.string(), z.array(z.int().nonnegative())).optional(),
});

const attributionSchema = z.strictObject({
  source: name,
  license: name,
  notice: bundlePath.optional(),
  url: z.url({ protocol: /^https?$/ }).optional(),
});

const positive = z.number().positive();

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 digest in lowercase hex');

/**
 * The retrieval gallery an image encoder makes of the test images, computed once (`npm run gallery`)
 * so that the first retrieval need not encode every test image; the app spot-checks it and the
 * validator checks each image against it.
 */
const gallerySchema = z.strictObject({
  /** SHA-256 of the image encoder's ONNX file. */
  encoderSha256: sha256,
  /** The encoder's input side S and embedding width E. */
  size: z.int().positive(),
  dim: z.int().positive(),
  /** float32, little-endian, [test images, dim]: rows in the order the test images have in images. */
  embeddings: bundlePath,
  /** SHA-256 of each test image's file, in the same order. */
  imageSha256: z.array(sha256),
});

export const datasetSchema = z
  .strictObject({
    format: z.literal(DATASET_FORMAT),
    id: name,
    name: name,
    description: z.string(),
    synthetic: z.boolean(),
    license: name,
    attribution: z.array(attributionSchema),
    voxelSize: z.tuple([positive, positive, positive]),
    stimulusDeg: positive,
    generator: z.strictObject({ name: name, version: name, profile: name, seed: z.int() }).optional(),
    categories: z.array(name),
    subjects: z.array(subjectSchema).min(1),
    images: z.array(imageSchema),
    galleries: z.array(gallerySchema).optional(),
  })
  .superRefine((dataset, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const tests = dataset.images.filter((image) => image.split === 'test').length;
    dataset.galleries?.forEach((gallery, g) => {
      if (gallery.imageSha256.length !== tests)
        issue(
          ['galleries', g, 'imageSha256'],
          `lists ${gallery.imageSha256.length} images, not the ${tests} test images`,
        );
    });
    reportDuplicates(
      dataset.subjects.map((s) => s.id),
      (i, id) => issue(['subjects', i, 'id'], `duplicate subject id "${id}"`),
    );
    reportDuplicates(
      dataset.images.map((im) => im.id),
      (i, id) => issue(['images', i, 'id'], `duplicate image id "${id}"`),
    );
    reportDuplicates(dataset.categories, (i, c) => issue(['categories', i], `duplicate category "${c}"`));

    const categories = new Set(dataset.categories);
    const subjectsWithBetas = new Set(dataset.subjects.filter((s) => s.betas).map((s) => s.id));
    dataset.images.forEach((image, i) => {
      image.categories?.forEach((category, j) => {
        if (!categories.has(category))
          issue(['images', i, 'categories', j], `category "${category}" is not declared in categories`);
      });
      for (const subjectId of Object.keys(image.trials ?? {})) {
        if (!subjectsWithBetas.has(subjectId))
          issue(['images', i, 'trials', subjectId], `no subject "${subjectId}" with betas`);
      }
    });
    dataset.subjects.forEach((subject, s) => {
      subject.encoding?.columns.forEach((column, j) => {
        const category = column.startsWith('cat:') ? column.slice(4) : null;
        if (category !== null && !categories.has(category)) {
          issue(['subjects', s, 'encoding', 'columns', j], `category "${category}" is not declared in categories`);
        }
      });
    });
  });

function reportDuplicates(values: string[], report: (index: number, value: string) => void): void {
  const seen = new Set<string>();
  values.forEach((value, i) => {
    if (seen.has(value)) report(i, value);
    seen.add(value);
  });
}

/** trials.json: columnar, one entry per betas row. */
export const trialsSchema = z.strictObject({
  image: z.array(z.int()),
  session: z.array(z.int()),
  repeat: z.array(z.int()),
  split: z.array(splitSchema),
  averageOf: z.array(z.int().positive()).optional(),
  /** Per-trial behaviour where the source has it (run, rt, ...): a number per row, null = missing. */
  behaviour: ownRecord(name, z.array(z.number().nullable())).optional(),
});

export type DatasetJson = z.infer<typeof datasetSchema>;
export type SubjectJson = DatasetJson['subjects'][number];
export type ImageJson = DatasetJson['images'][number];
export type GalleryJson = NonNullable<DatasetJson['galleries']>[number];
export type Split = z.infer<typeof splitSchema>;
export type TrialsJson = z.infer<typeof trialsSchema>;
