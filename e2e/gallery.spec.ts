import { expect, test, type Page } from '@playwright/test';
import sharp from 'sharp';
import { screenshot, SHOTS } from './screenshots';

// Gallery mode as a visitor uses it: opened from the stage, its rows fill with both models'
// reconstructions and ranks, ordered by rank, exported as a figure at 2x; opened by its URL too.
// Screenshots of it go to docs/screenshots/.

/** Every row's ranks, column by column, as the table shows them (NaN where there is none yet). */
function ranksOf(page: Page): Promise<number[][]> {
  return page
    .getByTestId('gallery-row')
    .evaluateAll((rows) =>
      rows.map((row) => [...row.querySelectorAll<HTMLElement>('.gallery-rank')].map((p) => Number(p.dataset.rank))),
    );
}

const sortedBy = (column: number) => (rows: number[][]) => {
  const ranks = rows.map((r) => r[column]!);
  return ranks.every((rank, i) => i === 0 || ranks[i - 1]! <= rank);
};

const ALL_RANKED = /^24 of 24 reconstructions ranked\.$/;

/** No sideways scroll; the first row's four pictures side by side within the screen. */
async function expectOnScreenWithoutSideScroll(page: Page, width: number) {
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(widths[0], 'page width vs screen width').toBeLessThanOrEqual(widths[1]!);
  const pictures = page.getByTestId('gallery-row').first().locator('img');
  await expect(pictures).toHaveCount(4);
  const boxes = await Promise.all((await pictures.all()).map((p) => p.boundingBox()));
  for (const [i, b] of boxes.entries()) {
    expect(b!.x + b!.width).toBeLessThanOrEqual(width);
    if (i > 0) expect(Math.abs(b!.y - boxes[0]!.y), 'one row').toBeLessThan(2);
  }
}

test('gallery mode from the stage: 12 rows fill, order by rank, export a 2x figure, back to the stage', async ({
  page,
}) => {
  // 24 reconstructions of about a second each on WASM here, many more on a loaded machine.
  test.setTimeout(420_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto('./?engine=wasm&subject=subj01');
  await expect(page.getByTestId('main-resemblance')).toBeVisible({ timeout: 120_000 });

  await page.getByRole('button', { name: 'Gallery: many images, both models' }).click();
  const opened = Date.now();
  expect(new URL(page.url()).searchParams.get('mode')).toBe('gallery');
  const table = page.getByTestId('gallery-table');
  await expect(table.getByRole('columnheader')).toHaveText([
    'Seen',
    /^Shared-subject.*shared-subject pretraining/,
    /^Single-subject.*alone/,
    /^Low-level/,
  ]);
  const rows = page.getByTestId('gallery-row');
  await expect(rows).toHaveCount(12);
  await expect(page.getByTestId('gallery-progress')).toHaveText(/Decoding: \d+ of 24/);

  // The page answers while the rows fill: the longest gap between frames, sampled for 3 s.
  const longestFrameGap = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        let last = performance.now();
        let longest = 0;
        const end = last + 3000;
        const frame = (now: number) => {
          longest = Math.max(longest, now - last);
          last = now;
          if (now < end) requestAnimationFrame(frame);
          else resolve(longest);
        };
        requestAnimationFrame(frame);
      }),
  );
  await expect(page.getByTestId('gallery-progress')).toHaveText(ALL_RANKED, { timeout: 400_000 });
  const filledSeconds = (Date.now() - opened) / 1000;
  console.log(
    `gallery: 12 rows (24 reconstructions) in ${filledSeconds.toFixed(1)} s; longest frame gap while filling ${longestFrameGap.toFixed(0)} ms`,
  );
  expect(longestFrameGap, 'longest frame gap while the rows fill, ms').toBeLessThan(1000);

  const filled = await ranksOf(page);
  expect(filled).toHaveLength(12);
  for (const row of filled) {
    expect(row).toHaveLength(2);
    for (const rank of row) expect(rank).toBeGreaterThanOrEqual(1);
  }
  await expect(
    rows
      .first()
      .getByText(/chance #150/)
      .first(),
  ).toBeVisible();
  await expect(page.getByTestId('gallery-summary')).toHaveText(
    /^Over 12 images: shared-subject ranks the seen image higher in \d+, single-subject in \d+; median rank: shared-subject #[\d.]+, single-subject #[\d.]+ \(chance #150 of 300\)\.$/,
  );
  await screenshot(page, 'gallery-1440x900');
  for (const [width, height] of [
    [1280, 720],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    await expectOnScreenWithoutSideScroll(page, width);
    await screenshot(page, `gallery-${width}x${height}`);
  }
  await page.setViewportSize({ width: 1440, height: 900 });

  // Ordered by each model's rank, best first; back to test-image order.
  const order = page.getByRole('combobox', { name: 'Order by' });
  const firstImages = await rows.evaluateAll((r) => r.map((row) => row.getAttribute('data-image')));
  await order.selectOption({ label: 'shared-subject rank' });
  await expect.poll(() => ranksOf(page).then(sortedBy(0))).toBe(true);
  await order.selectOption({ label: 'single-subject rank' });
  await expect.poll(() => ranksOf(page).then(sortedBy(1))).toBe(true);
  expect(await ranksOf(page).then(sortedBy(0)), 'the two orders differ on the demo').toBe(false);
  await order.selectOption({ label: 'test image' });
  await expect.poll(() => rows.evaluateAll((r) => r.map((row) => row.getAttribute('data-image')))).toEqual(firstImages);

  // The figure: four columns of 160 px and their gaps, at twice the size, a row per image under the titles.
  await order.selectOption({ label: 'shared-subject rank' });
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export figure as PNG' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('mindeye-gallery-subj01.png');
  const png = await sharp(await file.path()).metadata();
  expect(png.format).toBe('png');
  expect(png.width).toBe(2 * (4 * 160 + 5 * 10));
  expect(png.height).toBeGreaterThan(2 * 12 * 160);
  expect(png.height).toBeLessThan(2 * 12 * 230);
  await sharp(await file.path())
    .png({ palette: true, quality: 80, effort: 8 })
    .toFile(new URL('gallery-figure.png', SHOTS).pathname);

  // A row's seen image opens it on the stage.
  const second = rows.nth(1);
  const id = await second.getAttribute('data-image');
  await second.getByRole('button', { name: `Open ${id} on the stage` }).click();
  await expect(page.getByRole('heading', { name: /What the person saw/ })).toBeVisible();
  expect(new URL(page.url()).searchParams.get('image')).toBe(id);
  expect(new URL(page.url()).searchParams.get('mode')).toBeNull();
});

test('by its URL; leaving the gallery stops its decoding, the rows done stay', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('./?engine=wasm&subject=subj01&mode=gallery');
  await expect(page.getByTestId('gallery-row')).toHaveCount(12);
  const rankedCount = () => page.getByTestId('gallery-row').locator('.gallery-rank[data-rank]').count();
  // How long one of the gallery's reconstructions takes here, from two that follow the first.
  await expect.poll(rankedCount, { timeout: 240_000 }).toBeGreaterThanOrEqual(1);
  const first = { at: Date.now(), count: await rankedCount() };
  await expect.poll(rankedCount, { timeout: 120_000 }).toBeGreaterThanOrEqual(first.count + 2);
  const before = await rankedCount();
  const perRun = (Date.now() - first.at) / (before - first.count);
  await page.getByRole('button', { name: 'Back to the stage' }).click();
  await expect(page.getByTestId('main-resemblance')).toBeVisible({ timeout: 60_000 });
  // Time for five more of the gallery's reconstructions, had it gone on decoding behind the stage.
  await page.waitForTimeout(5 * perRun);

  await page.getByRole('button', { name: 'Gallery: many images, both models' }).click();
  const after = await rankedCount();
  console.log(`gallery left at ${before} ranked (${(perRun / 1000).toFixed(1)} s each), ${after} on coming back`);
  expect(after, 'the ranks of the first visit stay').toBeGreaterThanOrEqual(before);
  // The ranks on their way as the page left may land (their reconstructions were done).
  expect(after, 'nothing decoded while away').toBeLessThanOrEqual(before + 2);
  // The rest is decoded now.
  await expect(page.getByTestId('gallery-progress')).toHaveText(/Decoding: \d+ of 24/);
});
