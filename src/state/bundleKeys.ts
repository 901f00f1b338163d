/**
 * A bundle location as typed (relative to the page, absolute, or 'local:…') -> the key the stores
 * use. `base` is the page's address; Node tests pass one, the page defaults to its own.
 */
export function resolveUrl(url: string, base: string = document.baseURI): string {
  return new URL(url, base).href;
}
