import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BffError } from '../../backend-for-frontend/errors.js';
import {
  aspspSchema,
  type Aspsp,
  type BankProfileSettings,
} from '../../backend-for-frontend/registry.js';
import { BankProfile } from '../../backend-for-frontend/stet/bank-profile.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const BPCE_LIKE: BankProfileSettings = {
  signature: {
    keyId: 'client-id',
    headers: ['(request-target)', 'date', 'digest', 'x-request-id'],
    bodyHeaders: [],
    digestOnEveryRequest: true,
  },
  amountFormat: 'string',
  maxDateWindowDays: null,
  refreshToken: { lifetimeDays: 90, rotation: true },
  issParameterSupported: true,
  psuIpAddress: 'batch-limited',
  psuContextHeaders: ['PSU-IP-Address'],
};

function createProfile(
  settings: Partial<BankProfileSettings> = {},
  apiBaseUrl = 'https://api.bank.test/stet/v1',
): BankProfile {
  const aspsp: Aspsp = aspspSchema.parse({
    id: 'bank',
    name: 'Bank',
    bic: 'BANKFRPPXXX',
    country: 'FR',
    logoUrl: 'https://bank.test/logo.svg',
    issuer: 'https://bank.test',
    authorizationEndpoint: 'https://bank.test/authorize',
    tokenEndpoint: 'https://api.bank.test/token',
    apiBaseUrl,
    scopes: ['aisp'],
    profile: { ...BPCE_LIKE, ...settings },
  });
  return new BankProfile(aspsp);
}

function assertCode(run: () => unknown, code: string) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof BffError);
    assert.equal(error.code, code);
    assert.equal(error.aspsp, 'bank');
    return true;
  });
}

describe('BankProfile', () => {
  it('is the only reader of a registry entry’s profile in the BFF', () => {
    const bff = path.join(root, 'backend-for-frontend');
    const readers = readdirSync(bff, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .filter((file) => /aspsp\??\.profile\b/.test(readFileSync(path.join(bff, file), 'utf8')));
    assert.deepEqual(readers, [path.join('stet', 'bank-profile.ts')]);
  });

  it('signs with the keyId the bank looks the key up by', () => {
    const identity = { clientId: 'PSDFR-ACPR-13807', qsealcUrl: 'https://tpp.test/qsealc.pem' };
    assert.equal(createProfile().chooseSigningKeyId(identity), 'PSDFR-ACPR-13807');
    const stet = createProfile({ signature: { ...BPCE_LIKE.signature, keyId: 'qsealc-url' } });
    assert.equal(stet.chooseSigningKeyId(identity), 'https://tpp.test/qsealc.pem');
    assert.deepEqual(createProfile().signaturePolicy, BPCE_LIKE.signature);
  });

  it('sends every PSU header it knows when the customer is present, at every bank', () => {
    const present = {
      ipAddress: '192.0.2.7',
      ipPort: 51234,
      httpMethod: 'GET',
      date: 'Wed, 02 Dec 2026 18:00:00 GMT',
      userAgent: 'Mozilla/5.0',
      acceptLanguage: 'fr-FR,fr;q=0.9',
      referer: undefined,
    };
    for (const psuIpAddress of ['required', 'batch-limited', 'optional'] as const) {
      assert.deepEqual(createProfile({ psuIpAddress }).writePsuHeaders(present), {
        'psu-ip-address': '192.0.2.7',
        'psu-ip-port': '51234',
        'psu-http-method': 'GET',
        'psu-date': 'Wed, 02 Dec 2026 18:00:00 GMT',
        'psu-user-agent': 'Mozilla/5.0',
        'psu-accept-language': 'fr-FR,fr;q=0.9',
      });
    }
  });

  it('sends no PSU header without the customer, and calls no bank that serves none', () => {
    assert.deepEqual(
      createProfile({ psuIpAddress: 'batch-limited' }).writePsuHeaders(undefined),
      {},
    );
    assert.deepEqual(createProfile({ psuIpAddress: 'optional' }).writePsuHeaders(undefined), {});
    assert.throws(() => createProfile({ psuIpAddress: 'required' }).writePsuHeaders(undefined), {
      code: 'bank_error',
      message: /only calls the customer is present for/,
    });
  });

  it('refuses, naming it, a call without a PSU header the bank requires when the customer is present', () => {
    const profile = createProfile({ psuContextHeaders: ['PSU-IP-Address', 'PSU-IP-Port'] });
    assert.throws(() => profile.writePsuHeaders({ ipAddress: '192.0.2.7' }), {
      code: 'bank_error',
      message: /requires PSU-IP-Port/,
    });
    assert.equal(
      profile.writePsuHeaders({ ipAddress: '192.0.2.7', ipPort: 443 })['psu-ip-port'],
      '443',
    );
  });

  it('writes amounts in the bank’s format', () => {
    assert.equal(createProfile().writeAmount('12.5'), '12.50');
    assert.equal(createProfile({ amountFormat: 'number' }).writeAmount('12.50'), 12.5);
    assert.throws(() => createProfile({ amountFormat: 'number' }).writeAmount('1.123456'));
  });

  it('writes date parameters as STET date-times at the start of the day', () => {
    assert.equal(createProfile().writeDateParameter('2026-03-29'), '2026-03-29T00:00:00Z');
  });

  it('says when the consent and the access token end', () => {
    const now = Date.UTC(2026, 0, 1);
    assert.deepEqual(createProfile().readTokenLifetimes(300, now), {
      accessExpiresAt: now + 300_000,
      consentExpiresAt: now + 90 * 86_400_000,
    });
    // No refresh token (La Banque Postale): the consent lasts as long as the access token.
    assert.deepEqual(createProfile({ refreshToken: null }).readTokenLifetimes(86_400, now), {
      accessExpiresAt: now + 86_400_000,
      consentExpiresAt: now + 86_400_000,
    });
    assert.equal(createProfile().readAccessExpiry(undefined, now), now + 3_600_000);
  });

  it('keeps the issued refresh token, else the one the session had', () => {
    assert.equal(createProfile().chooseRefreshToken('old', 'new'), 'new');
    assert.equal(createProfile().chooseRefreshToken('old', undefined), 'old');
  });

  describe('planDateWindows', () => {
    const capped = createProfile({ maxDateWindowDays: 93 });

    it('splits a range longer than the bank’s window, newest first', () => {
      assert.deepEqual(
        capped.planDateWindows({ dateFrom: '2026-01-01', dateTo: '2026-07-01' }, '2026-08-01'),
        [
          { dateFrom: '2026-03-30', dateTo: '2026-07-01' },
          { dateFrom: '2026-01-01', dateTo: '2026-03-30' },
        ],
      );
    });

    it('ends an open range tomorrow, Paris time', () => {
      const windows = capped.planDateWindows({ dateFrom: '2026-01-01' }, '2026-06-30');
      assert.equal(windows?.[0]?.dateTo, '2026-07-01');
      assert.equal(windows?.at(-1)?.dateFrom, '2026-01-01');
    });

    it('leaves the dates as asked when they fit, lack dateFrom, or the bank has no cap', () => {
      const fits = { dateFrom: '2026-01-01', dateTo: '2026-04-04' };
      assert.equal(capped.planDateWindows(fits, '2026-08-01'), undefined);
      assert.equal(capped.planDateWindows({ dateTo: '2026-07-01' }, '2026-08-01'), undefined);
      assert.equal(capped.planDateWindows({}, '2026-08-01'), undefined);
      const long = { dateFrom: '2025-01-01', dateTo: '2026-07-01' };
      assert.equal(createProfile().planDateWindows(long, '2026-08-01'), undefined);
    });
  });

  describe('links', () => {
    it('resolves every STET form of a link under the bank’s API', () => {
      const profile = createProfile();
      const next = 'https://api.bank.test/stet/v1/accounts?page=2';
      for (const href of ['v1/accounts?page=2', '/stet/v1/accounts?page=2', next]) {
        assert.equal(profile.resolveLink(href).href, next, href);
      }
    });

    it('refuses a link off the bank’s API as bank_error', () => {
      for (const href of [
        'https://evil.test/stet/v1/accounts',
        'https://u:p@api.bank.test/stet/v1/accounts',
        'v1/%2e%2e/admin',
      ]) {
        assertCode(() => createProfile().resolveLink(href), 'bank_error');
      }
    });

    it('refuses an API path that climbs as the page’s invalid_request', () => {
      assertCode(() => createProfile().resolveApiPath('/accounts/../balances'), 'invalid_request');
      assert.equal(
        createProfile().resolveApiPath('/accounts').href,
        'https://api.bank.test/stet/v1/accounts',
      );
    });
  });
});
