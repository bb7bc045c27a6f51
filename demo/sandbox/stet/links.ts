/**
 * How a bank writes the `href` of its HAL `_links`.
 *
 * STET 1.4.0.47 declares `basePath: /v1` and writes every link of its examples relative to the API
 * root, the URL that the base path hangs from: `"href": "v1/accounts?page=2"`. Real banks also
 * write rooted paths (`/stet/psd2/v1/accounts`) or whole URLs. A client must resolve each against
 * the right base: a spec-relative href resolved against the `/v1` base URL itself lands on
 * `…/v1/v1/accounts`.
 */

/**
 * `absolute-path`: `/<bank>/v1/accounts`, rooted at the host. `absolute-url`:
 * `https://host:port/<bank>/v1/accounts`. `spec-relative`: `v1/accounts`, relative to the API
 * root `https://host:port/<bank>/`, as the spec's examples write it.
 */
export type LinkStyle = 'absolute-path' | 'absolute-url' | 'spec-relative';

export interface HalLink {
  href: string;
}

/** Writes a HAL link from a path relative to the API root, such as `v1/accounts?page=2`. */
export type LinkWriter = (path: string) => HalLink;

/**
 * Creates the link writer of a bank whose API root is `apiRoot` (ending in `/`, the `/v1` base
 * path not included).
 */
export function createLinkWriter(style: LinkStyle, apiRoot: URL): LinkWriter {
  if (!apiRoot.pathname.endsWith('/')) throw new TypeError('the API root must end with /');
  return (path) => {
    if (path.startsWith('/'))
      throw new TypeError(`link paths are relative to the API root: ${path}`);
    switch (style) {
      case 'spec-relative':
        return { href: path };
      case 'absolute-path':
        return { href: `${apiRoot.pathname}${path}` };
      case 'absolute-url':
        return { href: `${apiRoot.href}${path}` };
    }
  };
}
