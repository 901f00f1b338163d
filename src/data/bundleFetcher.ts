// The main thread's fetcher for bundle files: the same Cache Storage as the worker's, so the anatomy,
// betas and model.json files are downloaded once per release.
import { cachedFetcher } from './cachedFetch';

export const bundleFetcher = cachedFetcher();
