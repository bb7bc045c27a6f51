import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  readApiLocation,
  resolveApiPath,
  resolveHalLink,
} from '../../backend-for-frontend/stet/hal-links.js';

const api = readApiLocation('https://api.bank.test:8443/stet/psd2/v1');

function resolve(href: string): string {
  return resolveHalLink(api, href).href;
}

function assertRefused(href: string, reason: RegExp) {
  assert.throws(
    () => resolveHalLink(api, href),
    (error: unknown) => {
      assert.ok(error instanceof RangeError, href);
      assert.match(error.message, reason, href);
      return true;
    },
  );
}

describe('readApiLocation', () => {
  it('takes the API root as the base without its STET /v1 base path', () => {
    const location = readApiLocation('https://api.bank.test/stet/psd2/v1');
    assert.equal(location.base.href, 'https://api.bank.test/stet/psd2/v1/');
    assert.equal(location.root.href, 'https://api.bank.test/stet/psd2/');
    assert.equal(
      readApiLocation('https://api.bank.test/stet/psd2/v1/').root.pathname,
      '/stet/psd2/',
    );
    assert.equal(readApiLocation('https://api.bank.test/v1').root.pathname, '/');
  });

  it('takes the base itself as the root when apiBaseUrl does not end in /v1', () => {
    for (const apiBaseUrl of [
      'https://api.bank.test/psd2/retail/V1.4',
      'https://api.bank.test/stet/psd2/v1.4.2/',
      'https://api.bank.test/dsp2/v10',
      'https://api.bank.test',
    ]) {
      const location = readApiLocation(apiBaseUrl);
      assert.equal(location.root.href, location.base.href, apiBaseUrl);
    }
  });
});

describe('resolveHalLink', () => {
  const next = 'https://api.bank.test:8443/stet/psd2/v1/accounts?page=2';

  it('resolves the spec’s form, relative to the API root', () => {
    assert.equal(resolve('v1/accounts?page=2'), next);
    assert.equal(
      resolve('v1/accounts/Alias1/transactions?page=3'),
      'https://api.bank.test:8443/stet/psd2/v1/accounts/Alias1/transactions?page=3',
    );
  });

  it('resolves an absolute path on the API origin', () => {
    assert.equal(resolve('/stet/psd2/v1/accounts?page=2'), next);
  });

  it('resolves an absolute URL on the API origin, host case aside', () => {
    assert.equal(resolve(next), next);
    assert.equal(resolve('https://API.bank.test:8443/stet/psd2/v1/accounts?page=2'), next);
  });

  it('keeps percent-encoded resource ids and drops the fragment', () => {
    assert.equal(
      resolve('v1/accounts/a%2Fb/balances#top'),
      'https://api.bank.test:8443/stet/psd2/v1/accounts/a%2Fb/balances',
    );
    assert.equal(resolve(' v1/accounts?page=2 '), next);
  });

  it('resolves relative hrefs against the base of a bank without /v1', () => {
    const bnp = readApiLocation('https://api.bank.test/psd2/retail/V1.4');
    assert.equal(
      resolveHalLink(bnp, 'accounts?page=2').href,
      'https://api.bank.test/psd2/retail/V1.4/accounts?page=2',
    );
    assert.equal(
      resolveHalLink(bnp, '/psd2/retail/V1.4/accounts?page=2').href,
      'https://api.bank.test/psd2/retail/V1.4/accounts?page=2',
    );
  });

  it('refuses a link to another host, scheme or port', () => {
    for (const href of [
      'https://evil.test/stet/psd2/v1/accounts',
      '//evil.test/stet/psd2/v1/accounts',
      'http://api.bank.test:8443/stet/psd2/v1/accounts',
      'https://api.bank.test/stet/psd2/v1/accounts',
      'https://api.bank.test.evil.test:8443/stet/psd2/v1/accounts',
      '/\\evil.test/stet/psd2/v1/accounts',
      'https:\\\\evil.test\\stet\\psd2\\v1\\accounts',
      'javascript:alert(1)',
    ]) {
      assertRefused(href, /another origin/);
    }
  });

  it('refuses a link with credentials, even to the API itself', () => {
    assertRefused('https://user:pass@api.bank.test:8443/stet/psd2/v1/accounts', /credentials/);
    assertRefused('https://user@api.bank.test:8443/stet/psd2/v1/accounts', /credentials/);
  });

  it('refuses a link that climbs with .., plainly or encoded', () => {
    for (const href of [
      'v1/../v1/accounts',
      'v1/accounts/../../admin',
      '/stet/psd2/v1/../internal',
      'https://api.bank.test:8443/stet/psd2/v1/../internal',
      'v1/%2e%2e/internal',
      'v1/accounts/%2E%2e/balances',
      'v1/accounts/.%2E/balances',
      'v1/accounts/..%2f..%2fadmin',
      'v1/accounts/%252e%252e/balances',
      'v1\\..\\internal',
    ]) {
      assertRefused(href, /climbs/);
    }
  });

  it('refuses a link that lands outside the API path', () => {
    for (const href of [
      'accounts?page=2',
      '?page=2',
      '/accounts?page=2',
      '/stet/psd2/v1',
      '/stet/psd2/v1x/accounts',
      '/stet/psd2/V1/accounts',
      'https:/other/path',
    ]) {
      assertRefused(href, /leaves the API path/);
    }
  });

  it('refuses an empty link', () => {
    assertRefused('  ', /empty/);
  });

  it('reads .. in the query string as data, not as a path', () => {
    assert.equal(
      resolve('v1/accounts?after=..'),
      'https://api.bank.test:8443/stet/psd2/v1/accounts?after=..',
    );
  });
});

describe('resolveApiPath', () => {
  it('puts the BFF’s own paths under the API base', () => {
    assert.equal(
      resolveApiPath(api, '/accounts/a%2Fb/transactions?dateFrom=2026-01-01T00:00:00Z').href,
      'https://api.bank.test:8443/stet/psd2/v1/accounts/a%2Fb/transactions?dateFrom=2026-01-01T00:00:00Z',
    );
  });

  it('refuses a path that climbs, so an account id of .. names no other resource', () => {
    for (const path of ['/accounts/../balances', '/accounts/%2e%2e/balances', '/..']) {
      assert.throws(() => resolveApiPath(api, path), /climbs/, path);
    }
  });

  it('refuses a path that is not rooted', () => {
    assert.throws(() => resolveApiPath(api, 'accounts'), /starts with \//);
    // A doubled slash is a path under the base, never an authority.
    assert.equal(resolveApiPath(api, '//evil.test/accounts').host, 'api.bank.test:8443');
  });
});
