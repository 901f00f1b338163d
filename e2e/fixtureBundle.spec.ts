import { expect, test } from '@playwright/test';
import { TinyBundle } from '../test/tinyBundle';
import { serveBundle } from './fixtureBundle';

let bundle: TinyBundle;
test.beforeEach(async () => {
  bundle = await TinyBundle.create();
});
test.afterEach(() => bundle.dispose());

test('shows a valid bundle: banner, subjects, test images', async ({ page }) => {
  await page.goto(await serveBundle(page, 'tiny', bundle));
  await page.getByText('About this dataset').click();
  await expect(page.getByText('Tiny test bundle').first()).toBeVisible();
  const notice = page.getByRole('complementary', { name: 'Simulated data' });
  await expect(notice).toBeVisible();
  await notice.getByText('Simulated data').click(); // the chip opens its full text and credits
  await expect(page.getByRole('link', { name: 'Test clip art' })).toBeVisible();

  const rows = page.locator('table.subjects tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText('subj01');
  await expect(rows.nth(0)).toContainText('V1: 15');
  await expect(rows.nth(0)).toContainText('2 train, 4 test');
  await expect(rows.nth(2)).toContainText('anatomy only');

  for (const caption of ['a blue dog', 'a yellow cake']) {
    const image = page.getByRole('img', { name: caption, exact: true });
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(8);
  }
  await expect(page.getByRole('alert')).toHaveCount(0);

  // A dataset whose server never answers: Cancel, and the bundle shown before stays (issue 16).
  await page.route('**/fixtures/silent/**', () => undefined);
  await page.getByText('Open your own dataset or model bundle').click();
  await page.getByLabel('Dataset bundle URL').fill('fixtures/silent/');
  await page.getByRole('button', { name: 'Open dataset' }).click();
  const loading = page.locator('p.status').filter({ hasText: 'Loading and checking' });
  await expect(loading).toContainText('fixtures/silent/');
  await loading.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'was cancelled' })).toHaveText(
    /Loading .*fixtures\/silent\/ was cancelled; Tiny test bundle is still shown\./,
  );
  await expect(loading).toHaveCount(0);
  await expect(rows).toHaveCount(3);
});

test('lists every problem of a broken bundle, naming its files', async ({ page }) => {
  await bundle.truncate('subjects/subj01/anatomy.nii', 500);
  await bundle.remove('subjects/subj02/trials.json');
  await page.goto(await serveBundle(page, 'broken', bundle));
  const alert = page.getByRole('alert');
  await expect(alert.getByRole('heading', { name: 'This dataset could not be loaded' })).toBeVisible();
  await expect(alert.getByRole('listitem')).toHaveCount(2);
  await expect(alert).toContainText('subjects/subj01/anatomy.nii: truncated');
  await expect(alert).toContainText('subjects/subj02/trials.json: referenced by subjects[1].trials, but not found');
  await expect(page.locator('table.subjects')).toHaveCount(0);
});

test('opens a bundle with a missing image, then names it once every file is checked', async ({ page }) => {
  await bundle.remove('images/img-002.png');
  await page.goto(await serveBundle(page, 'damaged', bundle));
  // What the viewer needs is sound: the dataset opens at once; the images are checked after it.
  await expect(page.getByRole('combobox', { name: 'Subject' })).toHaveValue('subj01');
  const alert = page.getByRole('alert').filter({ hasText: 'Some files of this dataset are damaged' });
  await expect(alert).toContainText('images/img-002.png: referenced by images[2].file, but not found');
  await expect(page.getByTestId('bundle-checked')).toHaveText('Bundle check: 1 problem (listed above)');
});

test('says so when there is no bundle at the URL', async ({ page }) => {
  await page.goto('./?dataset=datasets/no-such-bundle/');
  await expect(page.getByRole('alert')).toContainText(
    /dataset\.json: not found \(.*datasets\/no-such-bundle\/dataset\.json answered 404\)/,
  );
});
