import { expect, test, type Page } from '@playwright/test';
import { screenshot } from './screenshots';

// Presentation mode as a presenter uses it: open `?present`, wait for the "ready" sign (every
// reconstruction of the playlist computed ahead), go offline, and click through the playlist with a
// clicker's keys; replay a denoising with the scrubber; a playlist given in the URL is the one shown.
// Screenshots go to docs/screenshots/.

const position = (page: Page) => page.getByTestId('present-position');
const imageParam = (page: Page) => new URL(page.url()).searchParams.get('image');

/** The slide shows its seen image (decoded, not a broken picture), its reconstruction and its rank. */
async function expectSlideShown(page: Page) {
  const seen = page.getByRole('img', { name: /^seen: / });
  await expect(seen).toBeVisible();
  await expect.poll(() => seen.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  // The denoising plays when a slide opens, then the result stays.
  await expect(page.getByTestId('present-reconstruction')).toBeVisible({ timeout: 10_000 });
  await expect(page.getByTestId('present-resemblance')).toHaveText(/ranks #\d+ of \d+ test images/);
}

test('the default playlist: computed ahead with a "ready" sign, then clicked through offline, the denoising replayed', async ({
  page,
  context,
}) => {
  test.setTimeout(600_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  const opened = Date.now();
  await page.goto('./?engine=wasm&present');
  const ready = page.getByTestId('present-ready');
  await expect(ready).toHaveText(/Computing ahead|Loading the model/, { timeout: 60_000 });
  await expect(position(page)).toHaveText('1 / 8');
  await expect(ready).toHaveAttribute('data-ready', 'true', { timeout: 540_000 });
  const readyS = (Date.now() - opened) / 1000;
  console.log(`present: ready after ${readyS.toFixed(1)} s (8 reconstructions on WASM, from page.goto)`);
  await expect(ready).toHaveText('Ready: all 8 computed, works offline');
  expect(imageParam(page)).toBe('test-0000');
  await expectSlideShown(page);
  await screenshot(page, 'present-1440x900');

  // Offline from here: every slide must come from memory.
  await context.setOffline(true);
  const seenSources: string[] = [];
  const steps: [string, string][] = [
    ['PageDown', '2 / 8'],
    ['ArrowRight', '3 / 8'],
    [' ', '4 / 8'],
    ['PageUp', '3 / 8'],
    ['ArrowLeft', '2 / 8'],
    ['End', '8 / 8'],
    ['PageDown', '8 / 8'],
    ['Home', '1 / 8'],
  ];
  for (const [key, shown] of steps) {
    await page.keyboard.press(key);
    await expect(position(page)).toHaveText(shown);
    await expectSlideShown(page);
    seenSources.push((await page.getByRole('img', { name: /^seen: / }).getAttribute('src'))!);
  }
  // The address bar follows the slide, so that a link opens it.
  await page.keyboard.press('PageDown');
  await expect(position(page)).toHaveText('2 / 8');
  expect(imageParam(page)).toBe('test-0001');
  await expectSlideShown(page);
  expect(new Set(seenSources).size).toBe(5);
  expect(seenSources.every((src) => src.startsWith('blob:'))).toBe(true);

  // The scrubber: its first position is the first denoising step, its last the result.
  const scrubber = page.getByRole('slider', { name: 'Denoising step' });
  await expect(scrubber).toBeVisible();
  const last = Number(await scrubber.getAttribute('max'));
  expect(last, 'denoising pictures kept').toBeGreaterThanOrEqual(5);
  await scrubber.fill('0');
  const frame = page.getByTestId('present-frame');
  await expect(frame).toBeVisible();
  await expect(page.getByText(/^Denoising · step 1 of \d+$/)).toBeVisible();
  const pixels = () => frame.evaluate((canvas: HTMLCanvasElement) => canvas.toDataURL());
  const early = await pixels();
  await screenshot(page, 'present-1440x900-denoising');
  await scrubber.fill(String(last - 1));
  await expect(page.getByText(new RegExp(`^Denoising · step ${last} of \\d+$`))).toBeVisible();
  expect(await pixels(), 'the first and the last step are different pictures').not.toBe(early);
  await scrubber.fill(String(last));
  await expect(page.getByTestId('present-reconstruction')).toBeVisible();
  // Replay runs the steps again, then rests on the result.
  await page.getByRole('button', { name: 'Replay' }).click();
  await expect(frame).toBeVisible();
  await expect(page.getByTestId('present-reconstruction')).toBeVisible({ timeout: 10_000 });

  for (const [width, height] of [
    [1280, 720],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    await expectSlideShown(page);
    const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    expect(widths[0], 'no sideways scroll').toBeLessThanOrEqual(widths[1]!);
    // the bar, each part of the slide, the playlist and the key line one below the other, none drawn
    // over another (a slide taller than its room overflowed onto the bar and the playlist)
    const parts = await page
      .locator('.presentation-bar, .presentation-slide > *, .presentation-strip, .presentation-keys')
      .evaluateAll((elements) =>
        elements.map((e) => ({
          name: e.className,
          top: e.getBoundingClientRect().top,
          bottom: e.getBoundingClientRect().bottom,
        })),
      );
    for (let i = 1; i < parts.length; i++)
      expect(parts[i]!.top, `${parts[i]!.name} below ${parts[i - 1]!.name}`).toBeGreaterThanOrEqual(
        parts[i - 1]!.bottom - 1,
      );
    await screenshot(page, `present-${width}x${height}`);
  }
  await context.setOffline(false);
});

test('a playlist given in the URL is the one shown, in its order; entries the dataset lacks are named', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await page.goto('./?engine=wasm&present=test-0005,test-0002:2,test-9999');
  await expect(page.getByRole('alert', { name: 'Left out of the playlist' })).toContainText(
    'test-9999: not an image of dataset',
  );
  await expect(position(page)).toHaveText('1 / 2');
  await expect.poll(() => imageParam(page)).toBe('test-0005');
  await expect(page.getByTestId('present-ready')).toHaveAttribute('data-ready', 'true', { timeout: 240_000 });
  await expectSlideShown(page);
  await page.keyboard.press('PageDown');
  await expect(position(page)).toHaveText('2 / 2');
  await expect(page.getByText(/trial 2 of 3/)).toBeVisible();
  expect(new URL(page.url()).searchParams.get('trial')).toBe('2');
  await expectSlideShown(page);

  // Full screen on a click (a user gesture), and the way back to the viewer.
  await page.getByRole('button', { name: 'Full screen' }).click();
  await expect.poll(() => page.evaluate(() => document.fullscreenElement !== null)).toBe(true);
  await page.evaluate(() => document.exitFullscreen());
  await page.getByRole('link', { name: 'Leave the presentation' }).click();
  await expect(page.getByTestId('presentation')).toHaveCount(0);
  expect(new URL(page.url()).searchParams.has('present')).toBe(false);
  await expect(page.getByRole('heading', { name: /What the person saw/ })).toBeVisible();
});
