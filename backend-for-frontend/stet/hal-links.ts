/**
 * Where a bank's API lives, and which URLs under it the BFF may call with a customer's access
 * token: its own fixed paths (`/accounts`) and the `_links` hrefs the bank sends (HAL, STET
 * 1.4.0.47 `GenericLink`).
 *
 * STET 1.4.0.47 declares `basePath: /v1` and writes its links relative to the API root, in front
 * of that base path: `"href": "v1/accounts?page=2"`. Banks also send absolute paths
 * (`/stet/psd2/v1/accounts?page=2`) and absolute URLs. All three are read; a link is followed only
 * when it stays on the bank's API origin and under its API path, because the request carries the
 * access token and the TPP's signature (RFC 10017 §6.1.4: allowlist proxied destinations).
 */

/** STET's `basePath`, the last segment of an `apiBaseUrl` that follows the spec's layout. */
const STET_BASE_PATH = 'v1';

/** An href that names its scheme (RFC 3986 §4.3 absolute-URI). */
const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:/i;

export interface ApiLocation {
  /** `apiBaseUrl` with a trailing slash: every call the BFF makes is under its path. */
  base: URL;
  /**
   * What STET's relative hrefs are relative to: `base` without its trailing `v1/` base path, or
   * `base` itself when `apiBaseUrl` does not end in `/v1` (the bank's base path is then part of
   * its own layout, and its relative hrefs can only be relative to its base).
   */
  root: URL;
}

/** Reads a registry `apiBaseUrl` into the base and the root links are resolved against. */
export function readApiLocation(apiBaseUrl: string): ApiLocation {
  const base = new URL(apiBaseUrl.endsWith('/') ? apiBaseUrl : `${apiBaseUrl}/`);
  base.search = '';
  base.hash = '';
  const segments = base.pathname.split('/');
  // `/bank/v1/` splits into ['', 'bank', 'v1', '']: the base path is the one before the last.
  const hasStetBasePath = segments.at(-2) === STET_BASE_PATH;
  const root = new URL(hasStetBasePath ? '..' : '.', base);
  return { base, root };
}

/**
 * Whether a path climbs with a `..` segment, written plainly or percent-encoded (`%2e%2e`, even
 * twice over, or hidden behind an encoded slash `..%2f`): WHATWG URL parsing removes some of these
 * forms, bank gateways decode others, and the two need not agree on where the request lands.
 */
function hasDotDotSegment(path: string): boolean {
  let text = path;
  for (let round = 0; round < 3; round++) {
    if (text.split(/[/\\]/).some((segment) => segment === '..')) return true;
    let decoded: string;
    try {
      decoded = decodeURIComponent(text);
    } catch {
      // Not valid percent-encoding: no further hidden form to find.
      return false;
    }
    if (decoded === text) return false;
    text = decoded;
  }
  return text.split(/[/\\]/).some((segment) => segment === '..');
}

/** The path part of a reference: before its query and fragment. */
function pathOf(reference: string): string {
  return reference.split(/[?#]/, 1)[0] ?? '';
}

/** The refusal when `url` is not under the API base; `undefined` when it may be followed. */
function checkUnderBase(api: ApiLocation, url: URL): string | undefined {
  if (url.username !== '' || url.password !== '') return 'it carries credentials';
  if (url.origin !== api.base.origin) return 'it points to another origin';
  if (!url.pathname.startsWith(api.base.pathname)) return 'it leaves the API path';
  return undefined;
}

/**
 * Resolves a `_links` href from the bank (STET 1.4.0.47 `GenericLink.href`) to the URL to call:
 *
 * - an absolute URL (`https://api.bank.fr/psd2/v1/accounts?page=2`);
 * - an absolute path (`/psd2/v1/accounts?page=2`), on the API's origin;
 * - a path relative to the API root, the spec's own form (`v1/accounts?page=2`).
 *
 * @throws {RangeError} naming the reason, when the link points to another origin (scheme, host or
 *   port), carries credentials (`user:pass@`), has a `..` segment in any encoding, or does not land
 *   under the API base path. The caller never sends the token there.
 */
export function resolveHalLink(api: ApiLocation, href: string): URL {
  const reference = href.trim();
  if (reference === '') throw new RangeError('the link is empty');
  let path = reference;
  if (ABSOLUTE_URL.test(reference) || reference.startsWith('//')) {
    // The authority's own `user:pass@` is checked once parsed; only the path is inspected here.
    path = reference.replace(/^[a-z][a-z0-9+.-]*:/i, '').replace(/^\/\/[^/?#\\]*/, '');
  }
  if (hasDotDotSegment(pathOf(path))) throw new RangeError('the link climbs with ..');
  let url: URL;
  try {
    url = new URL(reference, api.root);
  } catch (error) {
    throw new RangeError('the link is not a URL', { cause: error });
  }
  const refusal = checkUnderBase(api, url);
  if (refusal) throw new RangeError(`the link is off the API: ${refusal}`);
  url.hash = '';
  return url;
}

/**
 * The URL of one of the BFF's own destinations, a path under the API base (`/accounts`,
 * `/accounts/{id}/transactions?dateFrom=…`): STET 1.4.0.47 paths are written after `basePath`.
 *
 * @throws {RangeError} when the path has a `..` segment (an account id of `..` from the page), so
 *   no call lands beside the resource it names.
 */
export function resolveApiPath(api: ApiLocation, path: string): URL {
  if (!path.startsWith('/')) throw new RangeError('an API path starts with /');
  if (hasDotDotSegment(pathOf(path))) throw new RangeError('the path climbs with ..');
  const url = new URL(`${api.base.href}${path.slice(1)}`);
  const refusal = checkUnderBase(api, url);
  if (refusal) throw new RangeError(`the path is off the API: ${refusal}`);
  return url;
}
