import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  Account,
  BankScope,
  Transaction,
  TransactionPage,
} from '../../backend-for-frontend/contract/index.js';
import { loadDashboard } from '../../demo/site/src/dashboard-data.js';
import { BankConnectError, type BankConnectClient } from '../../widget/client.js';

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

/** Two pages of one transaction each. */
const PAGES: TransactionPage[] = [
  { transactions: [TRANSACTION], nextCursor: 'next' },
  { transactions: [TRANSACTION], nextCursor: null },
];

async function* pagesOf(pages: Promise<TransactionPage[]>) {
  yield* await pages;
}

/** A BFF with one account, recording the transaction ranges asked. */
function createFakeApi(scopes: BankScope[], failTransactions?: BankConnectError) {
  const asked: [string, string | undefined, string | undefined][] = [];
  const api: BankConnectClient = {
    aspsps: () => Promise.resolve({ aspsps: [] }),
    session: () =>
      Promise.resolve({
        id: `ses_${'a'.repeat(43)}`,
        aspsp: 'bocage',
        scopes,
        expiresAt: '2027-01-01T00:00:00.000Z',
        status: 'active',
      }),
    disconnect: () => Promise.resolve(),
    identity: () => Promise.resolve({ fullName: 'Marie Dupont' }),
    accounts: () => Promise.resolve({ accounts: [ACCOUNT] }),
    balances: () => Promise.resolve({ balances: [] }),
    transactions: () => Promise.reject(new Error('the dashboard reads every page')),
    transactionPages(accountId, query = {}) {
      asked.push([accountId, query.dateFrom, query.dateTo]);
      return pagesOf(failTransactions ? Promise.reject(failTransactions) : Promise.resolve(PAGES));
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
    assert.deepEqual(data.accounts[0]?.transactions, [TRANSACTION, TRANSACTION]);
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
      new BankConnectError('REAUTH_REQUIRED', 'the consent has ended'),
    );
    await assert.rejects(loadDashboard(api, TODAY, Promise.resolve([])), {
      code: 'REAUTH_REQUIRED',
    });
  });
});
