import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Account, BankScope, Transaction } from '../../backend-for-frontend/contract/index.js';
import { BffRequestError, type BffApi } from '../../demo/site/src/bff-api.js';
import { loadDashboard } from '../../demo/site/src/dashboard-data.js';

const TODAY = '2026-07-15';

const ACCOUNT: Account = {
  id: 'acc-1',
  name: 'Compte courant',
  type: 'current',
  maskedIdentifier: '•••• 1234',
  currency: 'EUR',
  balances: [{ type: 'booked', name: 'CLBD', amount: { amount: '100.00', currency: 'EUR' } }],
};

const TRANSACTION: Transaction = {
  id: 'tx-1',
  amount: { amount: '-12.30', currency: 'EUR' },
  status: 'booked',
  bookingDate: '2026-07-14',
  description: 'Boulangerie',
};

/** A BFF with one account, recording the transaction ranges asked. */
function createFakeApi(scopes: BankScope[], failTransactions?: BffRequestError) {
  const asked: [string, string, string][] = [];
  const api: BffApi = {
    listAspsps: () => Promise.resolve([]),
    getSession: () =>
      Promise.resolve({
        id: `ses_${'a'.repeat(43)}`,
        aspsp: 'bocage',
        scopes,
        expiresAt: '2027-01-01T00:00:00.000Z',
        status: 'active',
      }),
    deleteSession: () => Promise.resolve(),
    getIdentity: () => Promise.resolve({ fullName: 'Marie Dupont' }),
    listAccounts: () => Promise.resolve([ACCOUNT]),
    getBalances: () => Promise.resolve({ balances: [] }),
    listTransactions: (accountId, dateFrom, dateTo) => {
      asked.push([accountId, dateFrom, dateTo]);
      return failTransactions ? Promise.reject(failTransactions) : Promise.resolve([TRANSACTION]);
    },
  };
  return { api, asked };
}

describe('loadDashboard', () => {
  it('asks the six months once when the consent has extended_transaction_history', async () => {
    const { api, asked } = createFakeApi(['aisp', 'extended_transaction_history']);
    const data = await loadDashboard(api, TODAY, Promise.resolve([]));
    assert.deepEqual(asked, [['acc-1', '2026-01-15', '2026-07-16']]);
    assert.equal(data.historyFrom, '2026-01-15');
    assert.deepEqual(data.accounts[0]?.transactions, [TRANSACTION]);
  });

  it('asks the last 89 days once without extended_transaction_history', async () => {
    const { api, asked } = createFakeApi(['aisp']);
    const data = await loadDashboard(api, TODAY, Promise.resolve([]));
    assert.deepEqual(asked, [['acc-1', '2026-04-17', '2026-07-16']]);
    assert.equal(data.historyFrom, '2026-04-17');
  });

  it('fails with the BFF’s code when the history cannot be read', async () => {
    const { api } = createFakeApi(
      ['aisp', 'extended_transaction_history'],
      new BffRequestError('reauth_required', 'the consent has ended', 401, 'bocage'),
    );
    await assert.rejects(loadDashboard(api, TODAY, Promise.resolve([])), {
      code: 'reauth_required',
    });
  });
});
