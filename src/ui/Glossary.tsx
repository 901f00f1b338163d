import type { ReactNode } from 'react';

/** The words this page uses, in plain terms; each technical term stays, so that it can be looked up. */
export const TERMS: [term: string, meaning: string][] = [
  [
    'Bundle',
    'A folder of files the app reads: a dataset bundle (brains, trials, images) or a model bundle (the trained networks).',
  ],
  [
    'Trial',
    'One showing of an image to the person; an image shown several times has several trials, and the mean of its repeats is less noisy.',
  ],
  [
    'Voxel',
    'A small cube of brain, a few millimetres a side, whose activity the scanner measures; the model reads thousands of them.',
  ],
  [
    'ROI (region of interest)',
    'A named area of the visual cortex: V1, V2 and V3+ see where things are, ventral areas see what they are.',
  ],
  [
    'ROI ablation (switching off brain regions)',
    'A region whose voxels are set to 0, their average response, before decoding, to see what the picture loses without it.',
  ],
  [
    'Receptive field (pRF)',
    "The patch of what the eye sees that a voxel responds to. The simulation knows each voxel's true one, so the experiments can switch off one half of the visual field.",
  ],
  ['z units', "The betas are z-scored per voxel: 1 is as large as a voxel's own spread of responses across images."],
  [
    'Shuffled voxels (permutation control)',
    "The same values in a random order: a model that really reads the brain falls to chance, one that doesn't would not notice.",
  ],
  [
    'Adapter',
    "MindEye2's first layer, one per person: it maps that person's voxels (a different number in every brain) into a space all people share.",
  ],
  ['Low-level image', "The model's blurry first guess of the layout and colours; the decoder starts from it."],
  [
    'Prior steps',
    'How many small steps the prior takes to turn the brain embedding into an image embedding; more is slower and often closer.',
  ],
  ['Decoder steps', 'How many denoising steps draw the picture; the step counter shows them as the picture forms.'],
  ['Guidance', 'How strongly the decoder follows the brain embedding rather than drawing a generic picture.'],
  [
    'img2img strength',
    'How much of the picture is redrawn on top of the low-level image: 1 starts from noise, lower keeps more of the low-level image.',
  ],
  [
    'Best of N (samples)',
    'Draws N pictures with different seeds and shows the one most similar to what the brain suggests.',
  ],
  [
    'Retrieval, top-k',
    'The k test images whose embedding lies closest to the one computed from the brain: a search rather than a drawing.',
  ],
  [
    'Rank and chance',
    'Where the seen image ranks among all test images by resemblance to the reconstruction; a random picture ranks in the middle on average.',
  ],
  [
    'Shared-subject model',
    'Trained first on other people, then fine-tuned on a little data of this one (MindEye2); a single-subject model learns from this person alone.',
  ],
];

/** A glossary of the page's terms, folded away until asked for. */
export function Glossary() {
  return (
    <details className="glossary">
      <summary>
        <h2>Words used on this page</h2>
      </summary>
      <dl>
        {TERMS.map(([term, meaning]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{meaning}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

/** A term as the glossary names it (its start, e.g. 'Voxel' or 'ROI'), its meaning one hover away. */
export function Term({ name, children }: { name: string; children: ReactNode }) {
  const meaning = TERMS.find(([term]) => term.startsWith(name))?.[1];
  return (
    <span className="term" title={meaning ? `${name}: ${meaning}` : undefined}>
      {children}
    </span>
  );
}
