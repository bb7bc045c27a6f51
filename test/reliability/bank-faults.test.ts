/**
 * Bank faults, scripted through the sandbox: every failure maps to a stable code, idempotent
 * GETs are retried with backoff a bounded number of times (counted at the bank), POSTs and token
 * calls never are, and nothing waits past `BFF_BANK_TIMEOUT_MS`, the token endpoint included.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { AccountList } from '../../backend-for-frontend/contract/index.js';
import { buildRegistryFromSandbox } from '../../demo/sandbox/registry-document.js';
import {
  readError,
  requestCompletion,
  returnFromBank,
  startFlow,
  startTestBff,
  type TestBff,
} from '../support/bff.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';
import { assertApiError, bankCalls, during, resetCalls, scriptFaults } from './support/harness.js';

/**
 * Two BFFs on one session store: `bff` with a generous budget, so that retry counts never
 * depend on how loaded the machine is, and `fast`, whose short timeout the timeout tests
 * measure against (the bound is the timeout plus scheduling slack).
 */
const RETRY_BUDGET_MS = 8_000;
const TIMEOUT_MS = 1_000;
const SLACK_MS = 1_500;
/** Slow enough to exceed the timeout, short enough that the sandbox finishes soon after. */
const SLOW_MS = 3_000;

describe('bank faults: mapping, bounded retries and timeouts', () => {
  let sandbox: TestSandbox;
  let bff: TestBff;
  let fast: TestBff;
  const handles = new Map<string, string>();
  const accountIds = new Map<string, string>();
  let undo: (() => void) | undefined;

  before(async () => {
    sandbox = await startTestSandbox();
    bff = await startTestBff(sandbox, { env: { BFF_BANK_TIMEOUT_MS: String(RETRY_BUDGET_MS) } });
    fast = await startTestBff(sandbox, {
      env: {
        BFF_BANK_TIMEOUT_MS: String(TIMEOUT_MS),
        BFF_SESSION_STORE: `sqlite:${path.join(bff.dir, 'sessions.sqlite')}`,
      },
    });
    for (const aspsp of ['azur', 'bocage', 'lumiere', 'mistral']) {
      const session = await bff.connect(aspsp, { scopes: ['aisp', 'cbpii'] });
      handles.set(aspsp, session.sessionHandle);
      const current = session.accounts.find((account) => account.type === 'current');
      accountIds.set(aspsp, current?.id ?? '');
    }
  });
  afterEach(async () => {
    undo?.();
    undo = undefined;
    await sandbox.admin('POST', '/reset');
  });
  after(async () => {
    await fast.stop();
    await bff.stop();
    await sandbox.stop();
  });

  const handleOf = (aspsp: string) => handles.get(aspsp) ?? '';

  /** Calls the BFF and measures the wall time of the answer. */
  const timed = async (
    method: string,
    route: string,
    aspsp: string,
    body?: unknown,
    via: TestBff = bff,
  ): Promise<{ response: Response; elapsed: number }> => {
    const started = performance.now();
    const response = await via.call(method, route, {
      handle: handleOf(aspsp),
      ...(body === undefined ? {} : { body }),
    });
    await response.clone().arrayBuffer();
    return { response, elapsed: performance.now() - started };
  };

  const fundsBody = (aspsp: string) => ({
    accountId: accountIds.get(aspsp),
    amount: { amount: '10.00', currency: 'EUR' },
  });

  describe('idempotent GETs', () => {
    const routes = (aspsp: string) => {
      const id = encodeURIComponent(accountIds.get(aspsp) ?? '');
      return [
        ['/v1/accounts', 'GET /accounts'],
        [`/v1/accounts/${id}/balances`, 'GET /accounts/{id}/balances'],
        [`/v1/accounts/${id}/transactions`, 'GET /accounts/{id}/transactions'],
        ['/v1/identity', 'GET /end-user-identity'],
        ['/v1/trusted-beneficiaries', 'GET /trusted-beneficiaries'],
      ] as const;
    };

    it('retries every data GET exactly twice on a 503 and answers bank_unavailable', async () => {
      await during(sandbox, 'lumiere', { down: true }, async () => {
        for (const [route, endpoint] of routes('lumiere')) {
          await resetCalls(sandbox, 'lumiere');
          const { response } = await timed('GET', route, 'lumiere');
          assert.equal(response.status, 502, route);
          const error = assertApiError(await response.json(), route);
          assert.equal(error.error, 'bank_unavailable');
          assert.equal(error.aspsp, 'lumiere');
          assert.equal(
            (await bankCalls(sandbox, 'lumiere'))[endpoint],
            3,
            `${route}: 1 + 2 retries`,
          );
        }
      });
    });

    it('retries a dropped connection (transport failure) the same bounded way', async () => {
      await resetCalls(sandbox, 'mistral');
      await during(sandbox, 'mistral', { connectionReset: true }, async () => {
        const { response } = await timed('GET', '/v1/identity', 'mistral');
        assert.equal(response.status, 502);
        assert.equal((await readError(response)).error, 'bank_unavailable');
      });
      assert.equal((await bankCalls(sandbox, 'mistral'))['GET /end-user-identity'], 3);
    });

    it('succeeds when the bank recovers between retries, and stops retrying then', async () => {
      await resetCalls(sandbox, 'azur');
      undo = scriptFaults(sandbox, 'azur', 'GET /accounts', [{ down: true }]);
      const first = await timed('GET', '/v1/accounts', 'azur');
      assert.equal(first.response.status, 200);
      assert.equal(((await first.response.json()) as AccountList).accounts.length, 3);
      assert.equal(
        (await bankCalls(sandbox, 'azur'))['GET /accounts'],
        2,
        'one failure, one retry',
      );
      undo();

      await resetCalls(sandbox, 'azur');
      undo = scriptFaults(sandbox, 'azur', 'GET /accounts', [
        { down: true },
        { connectionReset: true },
      ]);
      const last = await timed('GET', '/v1/accounts', 'azur');
      assert.equal(last.response.status, 200, 'the last of three attempts succeeds');
      assert.equal((await bankCalls(sandbox, 'azur'))['GET /accounts'], 3);
    });

    it('does not retry a 429 and passes the bank’s Retry-After on', async () => {
      await resetCalls(sandbox, 'bocage');
      await during(sandbox, 'bocage', { rateLimitedRetryAfter: 17 }, async () => {
        const { response } = await timed('GET', '/v1/identity', 'bocage');
        assert.equal(response.status, 429);
        assert.equal(response.headers.get('retry-after'), '17');
        const error = assertApiError(await response.json());
        assert.equal(error.error, 'bank_rate_limited');
        assert.equal(error.retryAfter, 17);
      });
      assert.equal((await bankCalls(sandbox, 'bocage'))['GET /end-user-identity'], 1);
    });

    it('does not retry malformed JSON: bank_error after one call', async () => {
      await resetCalls(sandbox, 'mistral');
      await during(sandbox, 'mistral', { malformedJson: true }, async () => {
        const { response } = await timed('GET', '/v1/trusted-beneficiaries', 'mistral');
        assert.equal(response.status, 502);
        const error = assertApiError(await response.json());
        assert.equal(error.error, 'bank_error');
        assert.doesNotMatch(error.message, /\{|"/, 'no bank body in the message');
      });
      assert.equal((await bankCalls(sandbox, 'mistral'))['GET /trusted-beneficiaries'], 1);
    });

    it('never follows a bank redirect with the token: bank_error, nothing sent elsewhere', async () => {
      const elsewhere: string[] = [];
      const server = createServer((request, response) => {
        elsewhere.push(`${request.method} ${request.url} ${request.headers.authorization ?? ''}`);
        response.end('{"accounts":[]}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      try {
        await resetCalls(sandbox, 'azur');
        await during(
          sandbox,
          'azur',
          { redirectTo: `http://127.0.0.1:${port}/steal` },
          async () => {
            const { response } = await timed('GET', '/v1/accounts', 'azur');
            assert.equal(response.status, 502);
            assert.equal(assertApiError(await response.json()).error, 'bank_error');
          },
        );
        assert.deepEqual(elsewhere, []);
        assert.equal(
          (await bankCalls(sandbox, 'azur'))['GET /accounts'],
          1,
          'a 3xx is not retried',
        );
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('answers bank_timeout within the timeout, spending its budget on one call', async () => {
      await resetCalls(sandbox, 'bocage');
      await during(sandbox, 'bocage', { slowApiMs: SLOW_MS }, async () => {
        const { response, elapsed } = await timed('GET', '/v1/identity', 'bocage', undefined, fast);
        assert.equal(response.status, 504);
        assert.equal((await readError(response)).error, 'bank_timeout');
        assert.ok(elapsed >= TIMEOUT_MS * 0.9, `gave up early: ${Math.round(elapsed)} ms`);
        assert.ok(elapsed < TIMEOUT_MS + SLACK_MS, `answered after ${Math.round(elapsed)} ms`);
      });
      // The retries share one deadline: a call that used all of it leaves no room for another.
      assert.equal((await bankCalls(sandbox, 'bocage'))['GET /end-user-identity'], 1);
    });

    it('keeps a 503 then a slow answer within one overall deadline', async () => {
      await resetCalls(sandbox, 'lumiere');
      undo = scriptFaults(sandbox, 'lumiere', 'GET /accounts', [
        { down: true },
        { slowApiMs: SLOW_MS },
        { slowApiMs: SLOW_MS },
      ]);
      const { response, elapsed } = await timed('GET', '/v1/accounts', 'lumiere', undefined, fast);
      assert.equal(response.status, 504);
      assert.equal((await readError(response)).error, 'bank_timeout');
      assert.ok(elapsed < TIMEOUT_MS + SLACK_MS, `answered after ${Math.round(elapsed)} ms`);
      assert.equal((await bankCalls(sandbox, 'lumiere'))['GET /accounts'], 2);
    });
  });

  describe('non-idempotent POST /v1/funds-confirmations', () => {
    for (const [fault, scenario, status, code] of [
      ['a 503', { down: true }, 502, 'bank_unavailable'],
      ['a dropped connection', { connectionReset: true }, 502, 'bank_unavailable'],
      ['a slow answer', { slowApiMs: SLOW_MS }, 504, 'bank_timeout'],
      ['a 429', { rateLimitedRetryAfter: 5 }, 429, 'bank_rate_limited'],
    ] as const) {
      it(`is never retried on ${fault}: ${code} after exactly one bank call`, async () => {
        await resetCalls(sandbox, 'azur');
        // Only the POST fails: the account lookup that precedes it stays healthy.
        undo = scriptFaults(sandbox, 'azur', 'POST /funds-confirmations', [scenario]);
        const { response, elapsed } = await timed(
          'POST',
          '/v1/funds-confirmations',
          'azur',
          fundsBody('azur'),
          fast,
        );
        assert.equal(response.status, status);
        assert.equal(assertApiError(await response.json()).error, code);
        assert.ok(elapsed < TIMEOUT_MS * 2 + SLACK_MS, `answered after ${Math.round(elapsed)} ms`);
        const calls = await bankCalls(sandbox, 'azur');
        assert.equal(calls['POST /funds-confirmations'], 1, 'a POST is sent once');
        assert.equal(calls['GET /accounts'], 1);
      });
    }

    it('blames the page, not the bank, when the bank refuses the amount or currency', async () => {
      await resetCalls(sandbox, 'azur');
      // The sandbox, like STET banks, refuses a currency other than the account's: a 400.
      const { response } = await timed('POST', '/v1/funds-confirmations', 'azur', {
        accountId: accountIds.get('azur'),
        amount: { amount: '10.00', currency: 'USD' },
      });
      assert.equal(response.status, 400);
      const error = assertApiError(await response.json());
      assert.equal(error.error, 'invalid_request');
      assert.equal((await bankCalls(sandbox, 'azur'))['POST /funds-confirmations'], 1);
      // A zero amount never reaches the bank.
      for (const amount of ['0', '0.00', '0.00001']) {
        const zero = await timed('POST', '/v1/funds-confirmations', 'azur', {
          accountId: accountIds.get('azur'),
          amount: { amount, currency: 'EUR' },
        });
        assert.equal(zero.response.status, 400, amount);
        assert.match((await readError(zero.response)).message, /amount/);
      }
      assert.equal((await bankCalls(sandbox, 'azur'))['POST /funds-confirmations'], 1);
    });

    it('confirms funds normally once the bank is healthy again', async () => {
      const { response } = await timed(
        'POST',
        '/v1/funds-confirmations',
        'azur',
        fundsBody('azur'),
      );
      assert.equal(response.status, 200);
    });
  });

  describe('the token endpoint', () => {
    it('answers bank_timeout within the bound when a refresh is slow, without retrying it', async () => {
      // A fresh bocage session (no rotation): moving the bank clock expires its access token.
      const session = await bff.connect('bocage');
      await sandbox.admin('POST', '/banks/bocage/clock', { advanceSeconds: 4_000 });
      await resetCalls(sandbox, 'bocage');
      await during(sandbox, 'bocage', { slowTokenMs: SLOW_MS }, async () => {
        const started = performance.now();
        const response = await fast.call('GET', '/v1/accounts', {
          handle: session.sessionHandle,
        });
        const elapsed = performance.now() - started;
        assert.equal(response.status, 504);
        const error = assertApiError(await response.json());
        assert.equal(error.error, 'bank_timeout');
        assert.equal(error.aspsp, 'bocage');
        assert.ok(elapsed < TIMEOUT_MS + SLACK_MS, `answered after ${Math.round(elapsed)} ms`);
      });
      const calls = await bankCalls(sandbox, 'bocage');
      assert.equal(calls['POST /token refresh_token'], 1);
      assert.equal(calls['GET /accounts'], 1, 'the 401 that triggered the refresh, no replay');
    });

    it('answers bank_timeout within the bound when the code exchange is slow', async () => {
      const started = await startFlow(fast, 'mistral');
      const fragment = await returnFromBank(fast, started);
      await resetCalls(sandbox, 'mistral');
      await during(sandbox, 'mistral', { slowTokenMs: SLOW_MS }, async () => {
        const begin = performance.now();
        const response = await requestCompletion(fast, started, fragment);
        const elapsed = performance.now() - begin;
        assert.equal(response.status, 504);
        assert.equal(assertApiError(await response.json()).error, 'bank_timeout');
        assert.ok(elapsed < TIMEOUT_MS + SLACK_MS, `answered after ${Math.round(elapsed)} ms`);
      });
      assert.equal((await bankCalls(sandbox, 'mistral'))['POST /token authorization_code'], 1);
      // The code may have been spent at the bank: the flow is not replayed, the page starts again.
      const again = await requestCompletion(fast, started, fragment);
      assert.equal(again.status, 409);
      assert.equal(assertApiError(await again.json()).error, 'flow_already_used');
    });

    for (const [fault, scenario] of [
      ['down (503)', { down: true }],
      ['dropping the connection', { connectionReset: true }],
    ] as const) {
      it(`answers bank_unavailable when the token endpoint is ${fault}, with one call`, async () => {
        const started = await startFlow(bff, 'azur');
        const fragment = await returnFromBank(bff, started);
        await resetCalls(sandbox, 'azur');
        undo = scriptFaults(sandbox, 'azur', 'POST /token authorization_code', [scenario]);
        const response = await requestCompletion(bff, started, fragment);
        assert.equal(response.status, 502);
        const error = assertApiError(await response.json());
        assert.equal(error.error, 'bank_unavailable');
        assert.equal(error.aspsp, 'azur');
        assert.equal((await bankCalls(sandbox, 'azur'))['POST /token authorization_code'], 1);
      });
    }
  });

  describe('unreachable banks', () => {
    /** A BFF whose registry trusts the wrong CA (TLS failure) or names a closed port. */
    const startBrokenBff = async (
      name: string,
      edit: (bank: { caFile?: string; apiBaseUrl: string; tokenEndpoint: string }) => void,
    ) => {
      const directory = (await (
        await fetch(`${sandbox.browserOrigin}/banks`)
      ).json()) as Parameters<typeof buildRegistryFromSandbox>[0];
      const registry = buildRegistryFromSandbox(directory, path.join(sandbox.pki.dir, 'ca.pem'));
      for (const bank of registry.aspsps) edit(bank);
      const file = path.join(bff.dir, `${name}-registry.json`);
      await writeFile(file, JSON.stringify(registry));
      // Same session store and sealing key as the healthy BFF: its sessions work here.
      return startTestBff(sandbox, {
        env: {
          BFF_BANK_TIMEOUT_MS: String(RETRY_BUDGET_MS),
          BFF_REGISTRY: file,
          BFF_SESSION_STORE: `sqlite:${path.join(bff.dir, 'sessions.sqlite')}`,
        },
      });
    };

    it('maps a TLS failure (untrusted bank certificate) to bank_unavailable, quickly', async () => {
      const broken = await startBrokenBff('wrong-ca', (bank) => {
        // A leaf certificate as the only trust anchor: the bank's chain does not verify.
        bank.caFile = path.join(sandbox.pki.dir, 'rogue-qwac.pem');
      });
      try {
        await resetCalls(sandbox, 'lumiere');
        const started = performance.now();
        const response = await broken.call('GET', '/v1/accounts', { handle: handleOf('lumiere') });
        assert.equal(response.status, 502);
        assert.equal(assertApiError(await response.json()).error, 'bank_unavailable');
        assert.ok(performance.now() - started < RETRY_BUDGET_MS, 'failed fast, no timeout');
        const flow = await startFlow(broken, 'lumiere');
        const fragment = await returnFromBank(broken, flow);
        const exchange = await requestCompletion(broken, flow, fragment);
        assert.equal(exchange.status, 502);
        assert.equal(assertApiError(await exchange.json()).error, 'bank_unavailable');
        const calls = await bankCalls(sandbox, 'lumiere');
        assert.equal(calls['GET /accounts'], undefined, 'no request got past the handshake');
        assert.equal(calls['POST /token authorization_code'], undefined);
      } finally {
        await broken.stop();
      }
    });

    it('maps a refused connection to bank_unavailable', async () => {
      const broken = await startBrokenBff('closed-port', (bank) => {
        // Port 1 on loopback: nothing listens there.
        bank.apiBaseUrl = bank.apiBaseUrl.replace(/:\d+\//, ':1/');
      });
      try {
        const response = await broken.call('GET', '/v1/identity', { handle: handleOf('azur') });
        assert.equal(response.status, 502);
        assert.equal(assertApiError(await response.json()).error, 'bank_unavailable');
      } finally {
        await broken.stop();
      }
    });
  });
});
