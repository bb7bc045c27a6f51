/**
 * The STET client against a scripted bank: an mTLS server of the test PKI that answers what each
 * test sets, and records what reached it. For what the sandbox banks cannot show (yet): HAL links
 * in each of STET's forms, and the links the client must refuse to follow with the token.
 */
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { BffError } from '../../backend-for-frontend/errors.js';
import { aspspSchema, type Aspsp } from '../../backend-for-frontend/registry.js';
import { BankClient } from '../../backend-for-frontend/stet/bank-client.js';
import { loadTestPki, type TestPki } from '../support/pki.js';

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/** An mTLS bank that answers `answer(path)` and records every request. */
async function startScriptedBank(pki: TestPki) {
  const seen: Seen[] = [];
  let answer: (url: string) => Answer = () => ({ status: 200, body: {} });
  const server: Server = createHttpsServer(
    {
      cert: pki['server.pem'],
      key: pki['server-key.pem'],
      ca: pki['ca.pem'],
      requestCert: true,
      rejectUnauthorized: true,
    },
    (request, response) => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
      const { status, headers = {}, body } = answer(request.url ?? '');
      response.writeHead(status, { 'content-type': 'application/hal+json', ...headers });
      response.end(body === undefined ? undefined : JSON.stringify(body));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://localhost:${port}`,
    seen,
    answer: (script: (url: string) => Answer) => {
      answer = script;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function createAspsp(origin: string, ca: string): Aspsp {
  const parsed = aspspSchema.parse({
    id: 'scripted',
    name: 'Scripted Bank',
    bic: 'SCRIFRPPXXX',
    country: 'FR',
    logoUrl: `${origin}/logo.svg`,
    issuer: origin,
    authorizationEndpoint: `${origin}/authorize`,
    tokenEndpoint: `${origin}/token`,
    apiBaseUrl: `${origin}/stet/v1`,
    scopes: ['aisp'],
    profile: {
      signature: {
        keyId: 'qsealc-url',
        headers: ['(request-target)', 'date', 'x-request-id'],
        bodyHeaders: ['digest'],
        digestOnEveryRequest: false,
      },
      amountFormat: 'string',
      maxDateWindowDays: null,
      refreshToken: null,
      issParameterSupported: true,
      psuIpAddress: 'optional',
    },
  });
  return { ...parsed, ca };
}

async function assertRefusal(promise: Promise<unknown>, code: string): Promise<BffError> {
  let caught: unknown;
  await promise.catch((error: unknown) => {
    caught = error;
  });
  assert.ok(caught instanceof BffError, `expected a BffError, got ${String(caught)}`);
  assert.equal(caught.code, code);
  assert.equal(caught.aspsp, 'scripted');
  return caught;
}

describe('BankClient against a scripted STET bank', () => {
  let pki: TestPki;
  let bank: Awaited<ReturnType<typeof startScriptedBank>>;
  let elsewhere: Awaited<ReturnType<typeof startScriptedBank>>;
  let client: BankClient;

  before(async () => {
    pki = await loadTestPki();
    bank = await startScriptedBank(pki);
    elsewhere = await startScriptedBank(pki);
    client = new BankClient(createAspsp(bank.origin, pki['ca.pem']), {
      clientId: 'PSDFR-ACPR-TEST',
      redirectUri: 'https://tpp.test/v1/callback',
      qwac: { cert: pki['tpp-qwac.pem'], key: pki['tpp-qwac-key.pem'] },
      qsealc: {
        privateKey: createPrivateKey(pki['tpp-qsealc-key.pem']),
        url: 'https://tpp.test/qsealc.pem',
      },
      timeoutMs: 3_000,
    });
  });
  afterEach(() => {
    bank.seen.length = 0;
    elsewhere.seen.length = 0;
    bank.answer(() => ({ status: 200, body: {} }));
  });
  after(async () => {
    await client.close();
    await bank.close();
    await elsewhere.close();
  });

  const get = (target: { path: string } | { link: string }, ipAddress?: string) =>
    client.requestResource({
      method: 'GET',
      accessToken: 'access-token',
      ...target,
      ...(ipAddress ? { psu: { ipAddress } } : {}),
    });

  it('calls its own paths under the API base, signed, with the token and the PSU’s IP', async () => {
    bank.answer(() => ({ status: 200, body: { accounts: [], _links: {} } }));
    const response = await get({ path: '/accounts' }, '192.0.2.7');
    assert.deepEqual(response, { status: 200, body: { accounts: [], _links: {} } });
    const [request] = bank.seen;
    assert.equal(request?.url, '/stet/v1/accounts');
    assert.equal(request?.headers.authorization, 'Bearer access-token');
    assert.equal(request?.headers['psu-ip-address'], '192.0.2.7');
    assert.match(String(request?.headers.signature), /^keyId="https:\/\/tpp\.test\/qsealc\.pem",/);
    assert.match(
      String(request?.headers.signature),
      /headers="\(request-target\) date x-request-id psu-ip-address"/,
    );
  });

  it('follows a next link in the spec’s form, relative to the API root, not to /v1', async () => {
    await get({ link: 'v1/accounts/A1/transactions?page=2' });
    assert.equal(bank.seen[0]?.url, '/stet/v1/accounts/A1/transactions?page=2');
  });

  it('follows a next link as an absolute path and as an absolute URL', async () => {
    await get({ link: '/stet/v1/accounts/A1/transactions?page=3' });
    await get({ link: `${bank.origin}/stet/v1/accounts/A1/transactions?page=4` });
    assert.deepEqual(
      bank.seen.map((request) => request.url),
      ['/stet/v1/accounts/A1/transactions?page=3', '/stet/v1/accounts/A1/transactions?page=4'],
    );
  });

  it('never sends the token to a link off the bank’s API', async () => {
    const port = new URL(bank.origin).port;
    for (const link of [
      `${elsewhere.origin}/stet/v1/accounts?page=2`,
      `https://user:secret@localhost:${port}/stet/v1/accounts?page=2`,
      'v1/%2e%2e/internal',
      'v1/accounts/..%2f..%2finternal',
      '/internal/v1/accounts',
    ]) {
      await assertRefusal(get({ link }), 'bank_error');
    }
    assert.deepEqual(bank.seen, [], 'nothing reached the bank');
    assert.deepEqual(elsewhere.seen, [], 'nothing reached the other host');
  });

  it('refuses an own path that climbs before any call', async () => {
    await assertRefusal(get({ path: '/accounts/../balances' }), 'invalid_request');
    assert.deepEqual(bank.seen, []);
  });

  it('maps each refusal of a resource call with one table', async () => {
    const refusals: [Answer, string][] = [
      [{ status: 401 }, 'bank_unauthorized'],
      [
        {
          status: 401,
          headers: { 'www-authenticate': 'Bearer realm="scripted", error="invalid_token"' },
        },
        'bank_unauthorized',
      ],
      [{ status: 403 }, 'access_denied'],
      [
        {
          status: 403,
          headers: { 'www-authenticate': 'Bearer realm="scripted", error="insufficient_scope"' },
        },
        'access_denied',
      ],
      // The challenge is read, not only the status: a 403 whose challenge says the token is
      // invalid is a token to refresh (RFC 6750 §3.1), not a consent that lacks the data.
      [
        {
          status: 403,
          headers: { 'www-authenticate': 'Bearer realm="a, error=x", error="invalid_token"' },
        },
        'bank_unauthorized',
      ],
      [{ status: 404 }, 'not_found'],
      [{ status: 302, headers: { location: `${elsewhere.origin}/steal` } }, 'bank_error'],
      [{ status: 429, headers: { 'retry-after': '7' } }, 'bank_rate_limited'],
    ];
    for (const [answer, code] of refusals) {
      bank.answer(() => answer);
      await assertRefusal(get({ path: '/accounts' }), code);
    }
    bank.answer(() => ({ status: 400, body: { status: 400, message: 'bad dates' } }));
    const refused = await assertRefusal(get({ path: '/accounts' }), 'bank_error');
    assert.equal(refused.bankStatus, 400);
    assert.deepEqual(elsewhere.seen, [], 'a redirect is not followed');
  });
});
