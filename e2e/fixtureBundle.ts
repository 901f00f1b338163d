// Serves a tiny bundle written by the tests at /fixtures/<name>/ of the page's origin, through
// Playwright's request routing, so specs can open it with ?dataset= without files in public/.
import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import type { TinyBundle } from '../test/tinyBundle';

export async function serveBundle(page: Page, name: string, bundle: TinyBundle): Promise<string> {
  const prefix = `/fixtures/${name}/`;
  await page.route(`**${prefix}**`, async (route) => {
    const path = decodeURIComponent(new URL(route.request().url()).pathname.slice(prefix.length));
    try {
      await route.fulfill({ body: await readFile(bundle.path(path)) });
    } catch {
      await route.fulfill({ status: 404 });
    }
  });
  return `./?dataset=${encodeURIComponent(prefix)}`;
}
