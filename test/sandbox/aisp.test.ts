import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SANDBOX_BANKS } from '../../demo/sandbox/banks.js';
import { createMtlsAgent } from '../support/mtls.js';
import { apiPathOf, startTestSandbox, type TestSandbox, type Tokens } from '../support/sandbox.js';
import { checkStetSchema } from '../support/stet-schema.js';

type Json = Record<string, unknown>;

describe('sandbox AISP and CBPII APIs', () => {
  let sandbox: TestSandbox;
  const tokens = new Map<string, Tokens>();
  before(async () => {
    sandbox = await startTestSandbox();
    for (const bank of SANDBOX_BANKS)
      tokens.set(bank.id, await sandbox.connect(bank.id, { scope: 'aisp cbpii' }));
  });
  after(() => sandbox.stop());

  const token = (bank: string) => tokens.get(bank)?.access_token ?? '';
  const body = async (response: Response | { json(): Promise<unknown> }) =>
    (await response.json()) as Json;
  const schemaErrors = (bank: string, definition: string, data: unknown) =>
    checkStetSchema(sandbox.bank(bank).profile.stetVersion, definition, data);

  for (const bank of SANDBOX_BANKS) {
    describe(`${bank.name} (${bank.profile.stetVersion} shapes)`, () => {
      it('serves accounts, balances and every page of transactions that match the spec', async () => {
        const accountsResponse = await sandbox.callApi(bank.id, '/accounts', {
          token: token(bank.id),
        });
        assert.equal(accountsResponse.status, 200);
        assert.equal(
          accountsResponse.headers.get('content-type'),
          'application/hal+json; charset=utf-8',
        );
        const accounts = await body(accountsResponse);
        assert.deepEqual(schemaErrors(bank.id, 'HalAccounts', accounts), []);
        const list = accounts.accounts as Json[];
        assert.equal(list.length, 3, 'marie.dupont consented to her three accounts');
        assert.equal(
          list.some((account) => 'balances' in account),
          bank.profile.balancesInAccountList,
        );

        for (const account of list) {
          const id = String(account.resourceId);
          const balances = await body(
            await sandbox.callApi(bank.id, `/accounts/${id}/balances`, { token: token(bank.id) }),
          );
          assert.deepEqual(schemaErrors(bank.id, 'HalBalances', balances), []);

          let next: string | undefined = `/accounts/${id}/transactions`;
          let pages = 0;
          const references: string[] = [];
          while (next) {
            const response = await sandbox.callApi(bank.id, next, { token: token(bank.id) });
            assert.equal(response.status, 200);
            const page = await body(response);
            assert.deepEqual(schemaErrors(bank.id, 'HalTransactions', page), []);
            const transactions = page.transactions as Json[];
            if (bank.profile.pageSize !== null)
              assert.ok(transactions.length <= bank.profile.pageSize);
            references.push(...transactions.map((t) => String(t.entryReference)));
            const href = (page._links as { next?: { href: string } }).next?.href;
            next = href && apiPathOf(bank.id, href);
            pages += 1;
          }
          assert.equal(
            new Set(references).size,
            references.length,
            'no transaction is served twice',
          );
          if (bank.profile.pageSize === null) assert.equal(pages, 1);
        }
      });

      it('serves identity and trusted beneficiaries that match the spec', async () => {
        const identity = await body(
          await sandbox.callApi(bank.id, '/end-user-identity', { token: token(bank.id) }),
        );
        assert.deepEqual(checkStetSchema('1.5.0.43', 'HalEndUserIdentity', identity), []);
        const beneficiaries = await body(
          await sandbox.callApi(bank.id, '/trusted-beneficiaries', { token: token(bank.id) }),
        );
        assert.deepEqual(schemaErrors(bank.id, 'HalBeneficiaries', beneficiaries), []);
      });

      it('confirms funds for a CBPII, with the amount format of the profile', async () => {
        const accounts = await body(
          await sandbox.callApi(bank.id, '/accounts', { token: token(bank.id) }),
        );
        const iban = ((accounts.accounts as Json[])[0]?.accountId as { iban: string }).iban;
        const amount = bank.profile.stetVersion === '1.4.0.47' ? '12.50' : 12.5;
        const response = await sandbox.callApi(bank.id, '/funds-confirmations', {
          method: 'POST',
          token: token(bank.id),
          body: {
            paymentCoverageRequestId: 'cov-1',
            instructedAmount: { amount, currency: 'EUR' },
            accountId: { iban },
          },
        });
        assert.equal(response.status, 200);
        const report = await body(response);
        assert.deepEqual(schemaErrors(bank.id, 'HalPaymentCoverageReport', report), []);
        assert.equal(typeof report.result, 'boolean');
        const wrongFormat = await sandbox.callApi(bank.id, '/funds-confirmations', {
          method: 'POST',
          token: token(bank.id),
          body: {
            paymentCoverageRequestId: 'cov-2',
            instructedAmount: {
              amount: typeof amount === 'string' ? 12.5 : '12.50',
              currency: 'EUR',
            },
            accountId: { iban },
          },
        });
        assert.equal(wrongFormat.status, 400);
      });
    });
  }

  it('checks shapes strictly enough to tell STET versions apart', async () => {
    const accounts = await body(
      await sandbox.callApi('azur', '/accounts', { token: token('azur') }),
    );
    const id = String((accounts.accounts as Json[])[0]?.resourceId);
    const balances = await body(
      await sandbox.callApi('azur', `/accounts/${id}/balances`, { token: token('azur') }),
    );
    assert.deepEqual(checkStetSchema('1.4.0.47', 'HalBalances', balances), []);
    // 1.4.0.47 amounts are strings; the 1.5 definitions want numbers.
    assert.notDeepEqual(checkStetSchema('1.5.0.43', 'HalBalances', balances), []);
  });

  describe('request checks', () => {
    it('echoes X-Request-ID and requires it', async () => {
      const echoed = await sandbox.callApi('azur', '/accounts', {
        token: token('azur'),
        headers: { 'X-Request-ID': 'req-42' },
      });
      assert.equal(echoed.headers.get('x-request-id'), 'req-42');
      const missing = await sandbox.callApi('azur', '/accounts', {
        token: token('azur'),
        headers: { 'X-Request-ID': '' },
        unsigned: true,
      });
      assert.equal(missing.status, 400);
      const error = await body(missing);
      assert.deepEqual(checkStetSchema('1.4.0.47', 'ErrorModel', error), []);
      assert.equal(error.message, 'X-Request-ID is required');
      const long = await sandbox.callApi('azur', '/accounts', {
        token: token('azur'),
        headers: { 'X-Request-ID': 'x'.repeat(71) },
      });
      assert.equal(long.status, 400);
    });

    it('requires a signature and refuses a tampered one', async () => {
      const unsigned = await sandbox.callApi('mistral', '/accounts', {
        token: token('mistral'),
        unsigned: true,
      });
      assert.equal(unsigned.status, 400);
      assert.equal((await body(unsigned)).message, 'signature header is missing');
      const tampered = await sandbox.callApi('mistral', '/accounts', {
        token: token('mistral'),
        tamper: (headers) => {
          headers['X-Request-ID'] = 'changed-after-signing';
        },
      });
      assert.equal(tampered.status, 401);
      assert.equal((await body(tampered)).message, 'signature does not verify');
    });

    it('checks signatures with the draft’s reference verifier: syntax, Date and algorithm', async () => {
      const refused = async (tamper: (headers: Record<string, string>) => void) => {
        const response = await sandbox.callApi('bocage', '/accounts', {
          token: token('bocage'),
          tamper,
        });
        assert.equal(response.status, 400);
        return String((await body(response)).message);
      };
      // `http-signature` parses the draft's form strictly: no space after a comma.
      assert.match(
        await refused((headers) => {
          headers.Signature = (headers.Signature ?? '').replaceAll('",', '", ');
        }),
        /^signature header is malformed/,
      );
      assert.match(
        await refused((headers) => {
          headers.Date = new Date(Date.now() - 600_000).toUTCString();
        }),
        /^date header is stale/,
      );
      assert.equal(
        await refused((headers) => {
          headers.Signature = (headers.Signature ?? '').replace('rsa-sha256', 'hmac-sha256');
        }),
        'signature algorithm must be rsa-sha256',
      );
      assert.match(
        await refused((headers) => {
          headers.Signature = (headers.Signature ?? '').replace(' x-request-id', ' x-missing');
        }),
        /^signed header missing: x-missing/,
      );
    });

    it('requires the bank’s own signed-header set and keyId style', async () => {
      // Azur (BPCE-like) wants Digest even on a GET; a signature that leaves it out is refused.
      const withoutDigest = await sandbox.callApi('azur', '/accounts', {
        token: token('azur'),
        tamper: (headers) => {
          headers.Signature = (headers.Signature ?? '').replace(' digest', '');
        },
      });
      assert.equal(withoutDigest.status, 400);
      assert.equal((await body(withoutDigest)).message, 'signature must cover digest');
      // Azur looks keys up by client_id; a QSealC URL as keyId is unknown there.
      const urlKeyId = await sandbox.callApi('azur', '/accounts', {
        token: token('azur'),
        keyId: 'https://tpp.bank-connect.test/qsealc.pem',
      });
      assert.equal(urlKeyId.status, 401);
      const mistralHost = await sandbox.callApi('mistral', '/accounts', {
        token: token('mistral'),
        tamper: (headers) => {
          headers.Signature = (headers.Signature ?? '').replace(' host', '');
        },
      });
      assert.equal((await body(mistralHost)).message, 'signature must cover host');
    });

    it('refuses a body whose Digest does not match', async () => {
      const response = await sandbox.callApi('lumiere', '/funds-confirmations', {
        method: 'POST',
        token: token('lumiere'),
        body: {
          paymentCoverageRequestId: 'x',
          instructedAmount: { amount: '1.00', currency: 'EUR' },
          accountId: { iban: 'FR76' },
        },
        tamper: (headers) => {
          headers.Digest = 'SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';
        },
      });
      assert.equal(response.status, 400);
      assert.equal((await body(response)).message, 'digest does not match the body');
    });

    it('refuses a token presented with another certificate (RFC 8705 §3)', async () => {
      const rogue = createMtlsAgent(sandbox.pki, 'rogue-qwac');
      try {
        const response = await sandbox.callApi('mistral', '/accounts', {
          token: token('mistral'),
          agent: rogue,
        });
        assert.equal(response.status, 401);
        assert.equal((await body(response)).message, 'access token bound to another certificate');
      } finally {
        await rogue.close();
      }
    });

    it('answers an expired token with a bare 401 or an RFC 6750 challenge, per bank', async () => {
      await sandbox.admin('POST', '/banks/azur/clock', { advanceSeconds: 301 });
      await sandbox.admin('POST', '/banks/bocage/clock', { advanceSeconds: 3601 });
      try {
        const bare = await sandbox.callApi('azur', '/accounts', { token: token('azur') });
        assert.equal(bare.status, 401);
        assert.equal(bare.headers.get('www-authenticate'), null);
        assert.deepEqual(checkStetSchema('1.4.0.47', 'ErrorModel', await body(bare)), []);
        const challenged = await sandbox.callApi('bocage', '/accounts', { token: token('bocage') });
        assert.equal(challenged.status, 401);
        assert.match(
          challenged.headers.get('www-authenticate') ?? '',
          /^Bearer .*error="invalid_token"/,
        );
      } finally {
        await sandbox.admin('POST', '/reset');
      }
    });

    it('requires the aisp scope for account data and cbpii for funds confirmation', async () => {
      const cbpiiOnly = await sandbox.connect('mistral', { scope: 'cbpii' });
      const response = await sandbox.callApi('mistral', '/accounts', {
        token: cbpiiOnly.access_token,
      });
      assert.equal(response.status, 403);
      assert.match(response.headers.get('www-authenticate') ?? '', /insufficient_scope/);
      const aispOnly = await sandbox.connect('mistral', { scope: 'aisp' });
      const funds = await sandbox.callApi('mistral', '/funds-confirmations', {
        method: 'POST',
        token: aispOnly.access_token,
        body: {
          paymentCoverageRequestId: 'x',
          instructedAmount: { amount: 1, currency: 'EUR' },
          accountId: { iban: 'FR76' },
        },
      });
      assert.equal(funds.status, 403);
    });

    it('shows only the accounts the customer ticked', async () => {
      const accounts = await body(
        await sandbox.callApi('azur', '/accounts', { token: token('azur') }),
      );
      const [first, second] = (accounts.accounts as Json[]).map((account) =>
        String(account.resourceId),
      );
      assert.ok(first && second);
      const narrow = await sandbox.connect('azur', { accounts: [first] });
      const visible = await body(
        await sandbox.callApi('azur', '/accounts', { token: narrow.access_token }),
      );
      assert.deepEqual(
        (visible.accounts as Json[]).map((account) => account.resourceId),
        [first],
      );
      const hidden = await sandbox.callApi('azur', `/accounts/${second}/balances`, {
        token: narrow.access_token,
      });
      assert.equal(hidden.status, 404);
    });

    it('requires PSU-IP-Address at Lumière and limits batch access at Azur', async () => {
      const noIp = { 'PSU-IP-Address': '' };
      const lumiere = await sandbox.callApi('lumiere', '/accounts', {
        token: token('lumiere'),
        headers: noIp,
      });
      assert.equal(lumiere.status, 400);
      assert.equal((await body(lumiere)).message, 'PSU-IP-Address is required');
      const malformed = await sandbox.callApi('mistral', '/accounts', {
        token: token('mistral'),
        headers: { 'PSU-IP-Address': 'not-an-ip' },
      });
      assert.equal(malformed.status, 400);
      const fresh = await sandbox.connect('azur');
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        statuses.push(
          (await sandbox.callApi('azur', '/accounts', { token: fresh.access_token, headers: noIp }))
            .status,
        );
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 429]);
      assert.equal(
        (await sandbox.callApi('azur', '/accounts', { token: fresh.access_token })).status,
        200,
      );
    });

    it('limits history to 90 days without extended_transaction_history', async () => {
      // The bank counts days in Paris: after 23:00 UTC a UTC date would be a day off its window.
      const parisDaysAgo = (days: number) =>
        new Date(Date.now() - days * 86_400_000).toLocaleDateString('sv-SE', {
          timeZone: 'Europe/Paris',
        });
      const fetchAll = async (bearer: string) => {
        const accounts = await body(
          await sandbox.callApi('bocage', '/accounts', { token: bearer }),
        );
        const id = String((accounts.accounts as Json[])[0]?.resourceId);
        const page = await body(
          await sandbox.callApi(
            'bocage',
            `/accounts/${id}/transactions?dateFrom=${parisDaysAgo(92)}`,
            {
              token: bearer,
            },
          ),
        );
        return (page.transactions as Json[]).map((t) => String(t.bookingDate).slice(0, 10));
      };
      const limit = parisDaysAgo(90);
      const plain = await fetchAll(token('bocage'));
      assert.ok(plain.length > 0);
      assert.ok(plain.every((date) => date >= limit));
      const extended = await sandbox.connect('bocage', {
        scope: 'aisp extended_transaction_history',
      });
      const longer = await fetchAll(extended.access_token);
      assert.ok(
        longer.some((date) => date < limit),
        'the extended scope shows older transactions',
      );
    });

    it('filters by dateFrom (inclusive) and dateTo (exclusive), and caps Bocage’s window', async () => {
      const accounts = await body(
        await sandbox.callApi('bocage', '/accounts', { token: token('bocage') }),
      );
      const id = String((accounts.accounts as Json[])[0]?.resourceId);
      const from = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
      const to = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
      const page = await body(
        await sandbox.callApi(
          'bocage',
          `/accounts/${id}/transactions?dateFrom=${from}T00:00:00Z&dateTo=${to}T00:00:00Z`,
          { token: token('bocage') },
        ),
      );
      const dates = (page.transactions as Json[]).map((t) => String(t.bookingDate).slice(0, 10));
      assert.ok(dates.length > 0);
      assert.ok(dates.every((date) => date >= from && date < to));
      const wide = await sandbox.callApi(
        'bocage',
        `/accounts/${id}/transactions?dateFrom=2020-01-01&dateTo=2026-01-01`,
        { token: token('bocage') },
      );
      assert.equal(wide.status, 400);
      const garbage = await sandbox.callApi(
        'bocage',
        `/accounts/${id}/transactions?dateFrom=yesterday`,
        { token: token('bocage') },
      );
      assert.equal(garbage.status, 400);
    });

    it('narrows access with PUT /consents, which Bocage does not implement', async () => {
      const fresh = await sandbox.connect('mistral');
      const accounts = await body(
        await sandbox.callApi('mistral', '/accounts', { token: fresh.access_token }),
      );
      const [first, second] = accounts.accounts as Json[];
      const iban = (account: Json | undefined) => (account?.accountId as { iban: string }).iban;
      const put = await sandbox.callApi('mistral', '/consents', {
        method: 'PUT',
        token: fresh.access_token,
        body: {
          balances: [{ iban: iban(first) }],
          transactions: [],
          psuIdentity: false,
          trustedBeneficiaries: true,
        },
      });
      assert.equal(put.status, 201);
      const after = await body(
        await sandbox.callApi('mistral', '/accounts', { token: fresh.access_token }),
      );
      assert.deepEqual(
        (after.accounts as Json[]).map((account) => account.resourceId),
        [first?.resourceId],
      );
      assert.equal(
        (
          await sandbox.callApi('mistral', `/accounts/${String(second?.resourceId)}/balances`, {
            token: fresh.access_token,
          })
        ).status,
        404,
      );
      assert.equal(
        (await sandbox.callApi('mistral', '/end-user-identity', { token: fresh.access_token }))
          .status,
        403,
      );
      const bocage = await sandbox.callApi('bocage', '/consents', {
        method: 'PUT',
        token: token('bocage'),
        body: { balances: [], transactions: [], psuIdentity: true, trustedBeneficiaries: true },
      });
      assert.equal(bocage.status, 405);
    });

    it('answers 405 for another method and 404 for an unknown resource, as ErrorModels', async () => {
      const deleted = await sandbox.callApi('azur', '/accounts', {
        method: 'DELETE',
        token: token('azur'),
      });
      assert.equal(deleted.status, 405);
      const unknown = await sandbox.callApi('azur', '/payments', { token: token('azur') });
      assert.equal(unknown.status, 404);
      assert.deepEqual(checkStetSchema('1.4.0.47', 'ErrorModel', await body(unknown)), []);
    });
  });

  describe('scenarios', () => {
    const withScenario = async (bank: string, scenario: Json, run: () => Promise<void>) => {
      await sandbox.admin('PUT', `/banks/${bank}/scenario`, scenario);
      try {
        await run();
      } finally {
        await sandbox.admin('PUT', `/banks/${bank}/scenario`, {});
      }
    };

    it('answers 503 when down, 429 with Retry-After when rate limited', async () => {
      await withScenario('azur', { down: true }, async () => {
        assert.equal(
          (await sandbox.callApi('azur', '/accounts', { token: token('azur') })).status,
          503,
        );
      });
      await withScenario('azur', { rateLimitedRetryAfter: 7 }, async () => {
        const response = await sandbox.callApi('azur', '/accounts', { token: token('azur') });
        assert.equal(response.status, 429);
        assert.equal(response.headers.get('retry-after'), '7');
      });
    });

    it('sends truncated JSON, delays answers, or drops the connection on demand', async () => {
      await withScenario('mistral', { malformedJson: true }, async () => {
        const response = await sandbox.callApi('mistral', '/accounts', { token: token('mistral') });
        assert.equal(response.status, 200);
        await assert.rejects(response.json(), SyntaxError);
      });
      await withScenario('mistral', { slowApiMs: 200 }, async () => {
        const started = performance.now();
        assert.equal(
          (await sandbox.callApi('mistral', '/accounts', { token: token('mistral') })).status,
          200,
        );
        assert.ok(performance.now() - started >= 190);
      });
      await withScenario('mistral', { connectionReset: true }, async () => {
        await assert.rejects(sandbox.callApi('mistral', '/accounts', { token: token('mistral') }));
      });
    });

    it('revokes consents and expires them on demand', async () => {
      const fresh = await sandbox.connect('mistral', { login: 'luc.martin' });
      assert.equal(
        (await sandbox.callApi('mistral', '/accounts', { token: fresh.access_token })).status,
        200,
      );
      const revoked = await body(
        await sandbox.admin('POST', '/banks/mistral/consents/revoke', { login: 'luc.martin' }),
      );
      assert.ok(Number(revoked.revoked) >= 1);
      assert.equal(
        (await sandbox.callApi('mistral', '/accounts', { token: fresh.access_token })).status,
        401,
      );
      const other = await sandbox.connect('lumiere', { login: 'luc.martin' });
      await sandbox.admin('POST', '/banks/lumiere/consents/expire', { login: 'luc.martin' });
      assert.equal(
        (await sandbox.callApi('lumiere', '/accounts', { token: other.access_token })).status,
        401,
      );
    });

    it('counts calls per endpoint and lists the tokens it issued', async () => {
      await sandbox.admin('DELETE', '/banks/lumiere/calls');
      await sandbox.callApi('lumiere', '/accounts', { token: token('lumiere') });
      await sandbox.callApi('lumiere', '/accounts', { token: token('lumiere') });
      const calls = await body(await sandbox.admin('GET', '/banks/lumiere/calls'));
      assert.equal(calls['GET /accounts'], 2);
      const issued = (await body(await sandbox.admin('GET', '/tokens'))).tokens as Json[];
      assert.ok(issued.some((entry) => entry.value === token('lumiere')));
    });

    it('validates admin input strictly', async () => {
      assert.equal(
        (await sandbox.admin('PUT', '/banks/azur/scenario', { down: 'yes' })).status,
        400,
      );
      assert.equal(
        (await sandbox.admin('PUT', '/banks/azur/scenario', { explode: true })).status,
        400,
      );
      assert.equal(
        (await sandbox.admin('POST', '/banks/azur/clock', { advanceSeconds: -5 })).status,
        400,
      );
      assert.equal((await sandbox.admin('GET', '/banks/nobank')).status, 404);
    });
  });
});

describe('sandbox without the admin API', () => {
  it('does not mount it unless enabled', async () => {
    const sandbox = await startTestSandbox({ admin: false });
    try {
      assert.equal((await sandbox.admin('GET', '/tokens')).status, 404);
    } finally {
      await sandbox.stop();
    }
  });
});
