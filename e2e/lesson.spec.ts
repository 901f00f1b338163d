import { expect, test, type Page } from '@playwright/test';
import { screenshot } from './screenshots';

// Lesson mode as a learner meets it: every step's link opens that step with its state (image, trial,
// models, the experiment beside the result), the answer stays hidden until a prediction is made and revealed, and
// next/previous move between steps. Screenshots go to docs/screenshots/.

const params = (page: Page) => new URL(page.url()).searchParams;

/** Picks a prediction, then reveals: the reveal button waits for the prediction. */
async function predictAndReveal(page: Page, choice: string) {
  const reveal = page.getByRole('button', { name: 'Reveal' });
  await expect(reveal).toBeDisabled();
  await expect(page.getByTestId('lesson-reveal')).toHaveCount(0);
  await page.getByRole('radio', { name: choice }).check();
  await reveal.click();
  await expect(page.getByTestId('lesson-reveal')).toContainText(`You predicted: ${choice}`);
}

/** A before/after pair: both reconstructions drawn and ranked, and different pictures. */
async function expectPair(page: Page, before: string, after: string) {
  const reveal = page.getByTestId('lesson-reveal');
  for (const label of [before, after]) await expect(reveal.locator('figcaption', { hasText: label })).toBeVisible();
  const pictures = [
    reveal.getByTestId('lesson-before-reconstruction'),
    reveal.getByTestId('lesson-after-reconstruction'),
  ];
  for (const picture of pictures) await expect(picture).toBeVisible({ timeout: 120_000 });
  await expect(reveal.getByTestId('lesson-before-resemblance')).toBeVisible({ timeout: 60_000 });
  await expect(reveal.getByTestId('lesson-after-resemblance')).toBeVisible({ timeout: 60_000 });
  const [a, b] = await Promise.all(pictures.map((p) => p.getAttribute('src')));
  expect(a, 'before and after are different reconstructions').not.toBe(b);
}

test('step 1 from its link, predicted and revealed, then the next steps by their links', async ({ page }) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('./?engine=wasm&lesson=1');
  await expect(
    page.getByRole('heading', { name: /^Step 1 of 7: Reading a picture from brain activity/ }),
  ).toBeVisible();
  await expect.poll(() => params(page).get('image')).toBe('test-0010');
  await expect(page.getByText(/the person is simulated/)).toBeVisible();
  await expect(page.getByRole('link', { name: 'Skip to the lesson' })).toHaveAttribute('href', '#lesson-title');
  // A technical word keeps its meaning one hover away.
  await expect(page.locator('.term', { hasText: 'voxels' })).toHaveAttribute('title', /^Voxel: A small cube of brain/);
  await predictAndReveal(page, 'The colours and rough layout');
  await expect(page.getByTestId('main-reconstruction')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('main-resemblance')).toHaveText(/ranks #\d+ of 300 .*chance: #150/, {
    timeout: 60_000,
  });
  await screenshot(page, 'lesson-1280x720');

  // Next, without reloading: the step's state is in the address bar.
  await page.getByRole('link', { name: 'Next step →' }).click();
  await expect(page.getByRole('heading', { name: /^Step 2 of 7: What one voxel sees/ })).toBeVisible();
  expect(params(page).get('lesson')).toBe('2');
  await predictAndReveal(page, 'One small patch of it');
  const prf = page.getByTestId('lesson-prf');
  await expect(prf.getByRole('img', { name: /^pRF centre/ })).toBeVisible({ timeout: 30_000 });
  const first = await prf.getByRole('img', { name: /^pRF centre/ }).getAttribute('aria-label');
  const stimulus = prf.getByRole('img', { name: 'the stimulus of this trial' });
  await expect
    .poll(() => stimulus.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0))
    .toBe(true);
  await prf.scrollIntoViewIfNeeded();
  await screenshot(page, 'lesson-2-1280x720');
  await prf.getByRole('button', { name: 'Show another V1 voxel' }).click();
  await expect(prf.getByRole('img', { name: /^pRF centre/ })).not.toHaveAttribute('aria-label', first!);
  await page.getByRole('link', { name: '← Previous step' }).click();
  await expect(page.getByRole('heading', { name: /^Step 1 of 7/ })).toBeVisible();
  // A new visit to a step starts with no prediction.
  await expect(page.getByTestId('lesson-reveal')).toHaveCount(0);
});

test('the ablation steps: V1-V3+ off against all regions on, then the ventral area off', async ({ page }) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto('./?engine=wasm&lesson=3');
  await expect(page.getByRole('heading', { name: /^Step 3 of 7: Switch off the early visual areas/ })).toBeVisible();
  // Every technical word of the step has its glossary meaning.
  for (const term of await page.locator('.term').all()) await expect(term).toHaveAttribute('title', /^[^:]+: \S/);
  await predictAndReveal(page, 'Where things are, and their colours');
  await expectPair(page, 'All regions on', 'V1, V2, V3+ off');
  await screenshot(page, 'lesson-1440x900');
  await page.setViewportSize({ width: 390, height: 844 });
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(widths[0], 'no sideways scroll').toBeLessThanOrEqual(widths[1]!);
  await page.getByTestId('lesson-reveal').scrollIntoViewIfNeeded();
  await screenshot(page, 'lesson-390x844');
  await page.setViewportSize({ width: 1440, height: 900 });

  await page.getByRole('link', { name: '4', exact: true }).click();
  await expect(page.getByRole('heading', { name: /^Step 4 of 7: Switch off the ventral area/ })).toBeVisible();
  await predictAndReveal(page, 'A little worse');
  await expectPair(page, 'All regions on', 'ventral off');
});

test('one trial against the mean of its repeats, four brains, shared against single-subject', async ({ page }) => {
  test.setTimeout(400_000);
  await page.goto('./?engine=wasm&lesson=5');
  await expect(page.getByRole('heading', { name: /^Step 5 of 7: One showing, or the mean of three/ })).toBeVisible();
  await expect.poll(() => params(page).get('experiment')).toBe('repeats:1');
  await predictAndReveal(page, 'Worse');
  await expectPair(page, 'Mean of the 3 trials', 'Trial 1 alone');

  await page.goto('./?engine=wasm&lesson=6');
  await expect(page.getByRole('heading', { name: /^Step 6 of 7: The same picture in four brains/ })).toBeVisible();
  expect(params(page).get('trial')).toBeNull();
  await predictAndReveal(page, 'Somewhat alike');
  const brains = page.getByRole('region', { name: 'The same image, across subjects' });
  await expect(brains.getByRole('img', { name: /^reconstruction of test-0010 from subj0\d$/ })).toHaveCount(4, {
    timeout: 240_000,
  });

  await page.goto('./?engine=wasm&lesson=7');
  await expect(page.getByRole('heading', { name: /^Step 7 of 7: Learning from other people first/ })).toBeVisible();
  expect(params(page).get('compare')).toBe('models/mini-subj01-alone/');
  await predictAndReveal(page, 'Shared-subject');
  const pair = page.getByTestId('run-compare');
  await expect(pair.getByTestId('main-side-resemblance')).toBeVisible({ timeout: 120_000 });
  await expect(pair.getByTestId('compare-resemblance')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByRole('link', { name: 'Next step →' })).toHaveCount(0);
});
