/** A bundle location as typed (relative to the page, absolute, or 'local:…') -> the key the stores use. */
export function resolveUrl(url: string): string {
  return new URL(url, document.baseURI).href;
}
