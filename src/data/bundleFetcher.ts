// The main thread's way to bundle files: the same Cache Storage as the worker's fetcher, so the
// anatomy, betas and model.json files are downloaded once per release; and the folders the user picked.
import { BundleOpener } from './bundleOpener';
import { cachedFetcher } from './cachedFetch';

export const bundleFetcher = cachedFetcher();

export const bundleOpener = new BundleOpener(bundleFetcher);
