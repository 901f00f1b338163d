import { expect, test } from '@playwright/test';
import sharp from 'sharp';

// Shared- against single-subject on the stage's trial, as a visitor sets it up: one click for the
// pair, the seen image once, both reconstructions labelled with their ranks, which ranks higher,
// and the comparison as a 2x PNG.
test('shared- against single-subject side by side: the pair in one click, ranks, verdict, a 2x PNG', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await page.goto('./?engine=wasm&subject=subj01');
  await expect(page.getByTestId('main-resemblance')).toBeVisible({ timeout: 120_000 });
  const section = page.getByRole('region', { name: /^Two models, the same trial/ });
  await expect(section).toContainText('MindEye2 showed');
  await section.getByRole('button', { name: 'Compare shared-subject with single-subject' }).click();
  const params = new URL(page.url()).searchParams;
  expect(params.get('model')).toMatch(/mini-subj01-finetuned\/$/);
  expect(params.get('compare')).toMatch(/mini-subj01-alone\/$/);
  await expect(section.getByRole('button', { name: 'Compare shared-subject with single-subject' })).toHaveCount(0);

  const tiles = page.getByTestId('run-compare');
  await expect(tiles.getByRole('img', { name: /^seen: / })).toHaveCount(1);
  await expect(tiles.locator('figcaption')).toHaveText(['Seen', /^Shared-subject/, /^Single-subject/]);
  await expect(page.getByTestId('main-side-resemblance')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('compare-resemblance')).toBeVisible({ timeout: 120_000 });
  const shared = Number(await page.getByTestId('main-side-resemblance').getAttribute('data-rank'));
  const single = Number(await page.getByTestId('compare-resemblance').getAttribute('data-rank'));
  const verdict = page.getByTestId('side-by-side-verdict');
  if (shared === single) await expect(verdict).toHaveText(`Both rank the seen image #${shared}.`);
  else
    await expect(verdict).toContainText(
      shared < single
        ? `the shared-subject model ranks the seen image higher: #${shared} against #${single}`
        : `the single-subject model ranks the seen image higher: #${single} against #${shared}`,
    );

  const download = page.waitForEvent('download');
  await section.getByRole('button', { name: 'Export comparison as PNG' }).click();
  const png = await sharp(await (await download).path()).metadata();
  // Three columns of 160 px and their gaps, at twice the size; titles, one row, ranks and notes.
  expect(png.width).toBe(2 * (3 * 160 + 4 * 10));
  expect(png.height).toBeGreaterThan(2 * 160);
  expect(png.height).toBeLessThan(2 * 420);
});
