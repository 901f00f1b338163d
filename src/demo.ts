// The bundles that ship with the app, relative to the page: what it opens without any parameter.
export const DEMO_DATASET = 'datasets/synthetic-nsd/';

/** In picker order; the first is the default for subject 01. */
export const DEMO_MODELS = [
  'models/mini-subj01-finetuned/',
  'models/mini-subj01-alone/',
  'models/mini-multisubject/',
] as const;
