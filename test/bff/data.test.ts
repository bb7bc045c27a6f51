import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type {
  AccountList,
  ApiError,
  BalanceList,
  FundsConfirmation,
  Identity,
  TransactionPage,
} from '../../backend-for-frontend/contract/index.js';
import { PARTNER_ORIGIN, readError, startTestBff, type TestBff } from '../support/bff.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';

describe('BFF data endpoints', () => {
  let sandbox: TestSandbox;
  let bff: TestBff;
  const handles = new Map<string, string>();
  before(async () => {
    sandbox = await startTestSandbox();
    bff = await startTestBff(sandbox, { env: { BFF_BANK_TIMEOUT_MS: '1500' } });
    for (const aspsp of ['azur', 'bocage', 'lumiere', 'mistral']) {
      handles.set(aspsp, (await bff.connect(aspsp, { scopes: ['aisp', 'cbpii'] })).sessionHandle);
    }
  });
  after(async () => {
    await bff.stop();
    await sandbox.stop();
  });

  const get = async <T>(aspsp: string, route: string): Promise<T> => {
    const response = await bff.call('GET', route, { handle: handles.get(aspsp) ?? '' });
    assert.equal(response.status, 200, `${aspsp} ${route}: ${response.status}`);
    return (await response.json()) as T;
  };

  for (const aspsp of ['azur', 'bocage', 'lumiere', 'mistral']) {
    it(`serves ${aspsp}'s accounts, balances and every page of transactions in one shape`, async () => {
      const { accounts } = await get<AccountList>(aspsp, '/v1/accounts');
      assert.equal(accounts.length, 3);
      const card = accounts.find((account) => account.type === 'card');
      assert.ok(card?.linkedAccountId, 'the deferred-debit card names its current account');
      for (const account of accounts) {
        const { balances } = await get<BalanceList>(
          aspsp,
          `/v1/accounts/${encodeURIComponent(account.id)}/balances`,
        );
        assert.ok(balances.length > 0);
        for (const balance of balances) assert.match(balance.amount.amount, /^-?\d+\.\d{2,5}$/);
        let cursor: string | null = null;
        const seen = new Set<string>();
        let pages = 0;
        do {
          const query: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
          const page: TransactionPage = await get<TransactionPage>(
            aspsp,
            `/v1/accounts/${encodeURIComponent(account.id)}/transactions${query}`,
          );
          for (const transaction of page.transactions) {
            assert.equal(seen.has(transaction.id), false, 'no transaction twice');
            seen.add(transaction.id);
            assert.match(transaction.bookingDate ?? '', /^\d{4}-\d{2}-\d{2}$/);
            assert.match(transaction.amount.amount, /^-?\d+\.\d{2,5}$/);
          }
          cursor = page.nextCursor;
          pages += 1;
        } while (cursor && pages < 50);
        assert.equal(cursor, null, 'paging ends');
        assert.ok(seen.size > 0);
      }
    });
  }

  it('filters transactions by date, dateFrom inclusive and dateTo exclusive', async () => {
    const { accounts } = await get<AccountList>('mistral', '/v1/accounts');
    const id = encodeURIComponent(accounts[0]?.id ?? '');
    const from = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10);
    const to = new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10);
    let cursor: string | null = null;
    const dates: string[] = [];
    let first = true;
    while (first || cursor) {
      const query: string = first
        ? `?dateFrom=${from}&dateTo=${to}`
        : `?cursor=${encodeURIComponent(cursor ?? '')}`;
      const page: TransactionPage = await get<TransactionPage>(
        'mistral',
        `/v1/accounts/${id}/transactions${query}`,
      );
      dates.push(...page.transactions.map((transaction) => transaction.bookingDate ?? ''));
      cursor = page.nextCursor;
      first = false;
    }
    assert.ok(dates.length > 0);
    assert.ok(
      dates.every((date) => date >= from && date < to),
      dates.join(','),
    );
  });

  it('refuses a cursor from another session and malformed dates', async () => {
    const { accounts } = await get<AccountList>('azur', '/v1/accounts');
    const id = encodeURIComponent(accounts[0]?.id ?? '');
    const page = await get<TransactionPage>('azur', `/v1/accounts/${id}/transactions`);
    assert.ok(page.nextCursor);
    const other = await bff.connect('azur');
    const stolen = await bff.call(
      'GET',
      `/v1/accounts/${id}/transactions?cursor=${encodeURIComponent(page.nextCursor)}`,
      {
        handle: other.sessionHandle,
      },
    );
    assert.equal(stolen.status, 400);
    assert.match((await readError(stolen)).message, /cursor/);
    const badDate = await bff.call('GET', `/v1/accounts/${id}/transactions?dateFrom=yesterday`, {
      handle: handles.get('azur') ?? '',
    });
    assert.equal((await readError(badDate)).error, 'invalid_request');
  });

  it('refuses an account id of .., which would name another resource of the bank', async () => {
    await sandbox.admin('DELETE', '/banks/azur/calls');
    // fetch would resolve the dot segment away: send the path as an attacker's client would.
    const { status, body } = await new Promise<{ status: number; body: string }>(
      (resolve, reject) => {
        const { hostname, port } = new URL(bff.url);
        const request = httpRequest(
          {
            hostname,
            port,
            path: '/v1/accounts/%2E%2E/balances',
            headers: {
              Origin: PARTNER_ORIGIN,
              'X-Bank-Connect': '1',
              Authorization: `DPoP ${handles.get('azur') ?? ''}`,
              DPoP: bff.dpopKey.signSync({
                htm: 'GET',
                htu: `${bff.url}/v1/accounts/%2E%2E/balances`,
                handle: handles.get('azur') ?? '',
              }),
            },
          },
          (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => (text += chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
          },
        );
        request.on('error', reject);
        request.end();
      },
    );
    assert.equal(status, 400);
    assert.equal((JSON.parse(body) as ApiError).error, 'invalid_request');
    const calls = (await (await sandbox.admin('GET', '/banks/azur/calls')).json()) as Record<
      string,
      number
    >;
    assert.deepEqual(calls, {}, 'nothing reached the bank');
  });

  it('serves the identity and trusted beneficiaries', async () => {
    const identity = await get<Identity>('bocage', '/v1/identity');
    assert.equal(identity.fullName, 'Mme Marie Dupont');
    const beneficiaries = await get<{ beneficiaries: unknown[] }>(
      'bocage',
      '/v1/trusted-beneficiaries',
    );
    assert.ok(beneficiaries.beneficiaries.length > 0);
  });

  it('confirms funds in each bank’s amount format', async () => {
    for (const aspsp of ['azur', 'bocage']) {
      const { accounts } = await get<AccountList>(aspsp, '/v1/accounts');
      const current = accounts.find((account) => account.type === 'current');
      const response = await bff.call('POST', '/v1/funds-confirmations', {
        handle: handles.get(aspsp) ?? '',
        body: { accountId: current?.id, amount: { amount: '10.00', currency: 'EUR' } },
      });
      assert.equal(response.status, 200, aspsp);
      assert.equal(typeof ((await response.json()) as FundsConfirmation).available, 'boolean');
    }
    const aispOnly = await bff.connect('azur');
    const refused = await bff.call('POST', '/v1/funds-confirmations', {
      handle: aispOnly.sessionHandle,
      body: { accountId: 'x', amount: { amount: '10.00', currency: 'EUR' } },
    });
    assert.equal((await readError(refused)).error, 'access_denied');
  });

  describe('bank faults', () => {
    const during = async (
      aspsp: string,
      scenario: Record<string, unknown>,
      run: () => Promise<void>,
    ) => {
      await sandbox.admin('PUT', `/banks/${aspsp}/scenario`, scenario);
      try {
        await run();
      } finally {
        await sandbox.admin('PUT', `/banks/${aspsp}/scenario`, {});
      }
    };

    it('maps a bank that is down to bank_unavailable, after retrying the GET', async () => {
      await sandbox.admin('DELETE', '/banks/lumiere/calls');
      await during('lumiere', { down: true }, async () => {
        const response = await bff.call('GET', '/v1/accounts', {
          handle: handles.get('lumiere') ?? '',
        });
        assert.equal(response.status, 502);
        const error = await readError(response);
        assert.equal(error.error, 'bank_unavailable');
        assert.equal(error.aspsp, 'lumiere');
      });
      const calls = (await (await sandbox.admin('GET', '/banks/lumiere/calls')).json()) as Record<
        string,
        number
      >;
      assert.equal(calls['GET /accounts'], 3, 'one call and two retries');
      assert.equal(
        (await bff.call('GET', '/v1/accounts', { handle: handles.get('lumiere') ?? '' })).status,
        200,
      );
    });

    it('maps 429 to bank_rate_limited with Retry-After', async () => {
      await during('lumiere', { rateLimitedRetryAfter: 9 }, async () => {
        const response = await bff.call('GET', '/v1/accounts', {
          handle: handles.get('lumiere') ?? '',
        });
        assert.equal(response.status, 429);
        assert.equal(response.headers.get('retry-after'), '9');
        assert.equal((await readError(response)).error, 'bank_rate_limited');
      });
    });

    it('maps malformed JSON to bank_error and a dropped connection to bank_unavailable', async () => {
      await during('mistral', { malformedJson: true }, async () => {
        const response = await bff.call('GET', '/v1/accounts', {
          handle: handles.get('mistral') ?? '',
        });
        assert.equal((await readError(response)).error, 'bank_error');
      });
      await during('mistral', { connectionReset: true }, async () => {
        const response = await bff.call('GET', '/v1/accounts', {
          handle: handles.get('mistral') ?? '',
        });
        assert.equal((await readError(response)).error, 'bank_unavailable');
      });
    });

    it('gives up at the configured timeout with bank_timeout', async () => {
      await during('bocage', { slowApiMs: 5_000 }, async () => {
        const started = performance.now();
        const response = await bff.call('GET', '/v1/accounts', {
          handle: handles.get('bocage') ?? '',
        });
        const elapsed = performance.now() - started;
        assert.equal(response.status, 504);
        assert.equal((await readError(response)).error, 'bank_timeout');
        assert.ok(
          elapsed < 3_000,
          `answered after ${Math.round(elapsed)} ms, within the 1.5 s budget plus slack`,
        );
      });
    });
  });
});
