import type { Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import sharp from 'sharp';

// Where the specs' screenshots go (the README and docs show them), and how they are written.
export const SHOTS = new URL('../docs/screenshots/', import.meta.url);
mkdirSync(SHOTS, { recursive: true });

/** The page as it is, as docs/screenshots/<name>.png: a palette PNG, a few hundred KB at most. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const png = await page.screenshot();
  await sharp(png)
    .png({ palette: true, quality: 80, effort: 8 })
    .toFile(new URL(`${name}.png`, SHOTS).pathname);
}
