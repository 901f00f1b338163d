import { expect, test } from '@playwright/test';

// The demo bundle that ships in public/datasets/synthetic-nsd/, opened as a visitor would.
test('the demo: simulated-data banner, 8 subjects, test images, cross-origin isolation', async ({ page }) => {
  await page.goto('./');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

  // Validation decodes every image, so allow for a slow machine; then no problem may be listed.
  await page.getByText('About this dataset').click({ timeout: 60_000 });
  await expect(page.locator('table.subjects, [role=alert]').first()).toBeVisible({ timeout: 60_000 });
  expect(await page.getByRole('alert').allTextContents(), 'problems shown on the page').toEqual([]);
  const rows = page.locator('table.subjects tbody tr');
  await expect(rows).toHaveCount(8);
  await expect(page.getByRole('complementary', { name: 'Simulated data' })).toBeVisible();

  const voxelCounts = (await page.locator('table.subjects tbody td.number').allTextContents()).map(Number);
  expect(voxelCounts).toHaveLength(8);
  for (const count of voxelCounts) {
    expect(count).toBeGreaterThanOrEqual(12000);
    expect(count).toBeLessThanOrEqual(18000);
  }

  const images = page.locator('.test-images img');
  expect(await images.count()).toBeGreaterThan(0);
  for (let i = 0; i < 6; i++) {
    const image = images.nth(i);
    await expect(image).toHaveAttribute('alt', /\S/);
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  }
});
