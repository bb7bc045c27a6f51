import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BffError } from '../../backend-for-frontend/errors.js';
import {
  normaliseAccounts,
  normaliseBalances,
  normaliseBeneficiaries,
  normaliseFundsConfirmation,
  normaliseIdentity,
  normaliseTransactions,
} from '../../backend-for-frontend/stet/normalise.js';
import { SANDBOX_BANKS } from '../../demo/sandbox/banks.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';

type Json = Record<string, unknown>;

const CANONICAL_AMOUNT = /^-?(0|[1-9]\d*)\.\d{2,}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Asserts that `run` throws a `bank_error` whose message names exactly `message`. */
function assertBankError(run: () => unknown, message: string) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof BffError);
    assert.equal(error.code, 'bank_error');
    assert.equal(error.message, `the bank sent data that does not conform: ${message}`);
    return true;
  });
}

function transactionsBody(...transactions: unknown[]): Json {
  return { transactions, _links: { self: { href: '/v1/accounts/a/transactions' } } };
}

function transaction(fields: Json = {}): Json {
  return {
    transactionAmount: { amount: '10.00', currency: 'EUR' },
    creditDebitIndicator: 'DBIT',
    status: 'BOOK',
    bookingDate: '2026-11-20',
    remittanceInformation: ['CB BOULANGERIE'],
    ...fields,
  };
}

/** Normalises one transaction and returns it. */
function normaliseOne(fields: Json = {}) {
  const [only] = normaliseTransactions(transactionsBody(transaction(fields))).transactions;
  assert.ok(only);
  return only;
}

describe('normaliseAccounts', () => {
  const azurLike = {
    accounts: [
      {
        resourceId: 'ACC-1',
        bicFi: 'AZURFRPPXXX',
        accountId: { iban: 'FR7614520003100000000000123' },
        name: 'Compte chèques',
        usage: 'PRIV',
        cashAccountType: 'CACC',
        product: 'Compte Azur',
        currency: 'EUR',
        balances: [
          {
            name: 'Solde comptable',
            balanceAmount: { amount: '1520.30', currency: 'EUR' },
            balanceType: 'CLBD',
            referenceDate: '2026-11-20',
          },
        ],
        psuStatus: 'Account Holder',
        _links: { balances: { href: '/v1/accounts/ACC-1/balances' } },
      },
    ],
    _links: { self: { href: '/v1/accounts' } },
    connectedPsu: 'Marie Dupont',
  };

  it('reads a 1.4.0.47 account with its embedded balances', () => {
    assert.deepEqual(normaliseAccounts(azurLike), [
      {
        id: 'ACC-1',
        name: 'Compte chèques',
        type: 'current',
        maskedIdentifier: '•••• 0123',
        iban: 'FR7614520003100000000000123',
        product: 'Compte Azur',
        usage: 'private',
        holderStatus: 'Account Holder',
        currency: 'EUR',
        balances: [
          {
            type: 'booked',
            name: 'Solde comptable',
            amount: { amount: '1520.30', currency: 'EUR' },
            referenceDate: '2026-11-20',
          },
        ],
      },
    ]);
  });

  it('reads a 1.5 professional account whose currency is inside accountId', () => {
    const [account] = normaliseAccounts({
      accounts: [
        {
          resourceId: 'PRO',
          accountId: { iban: 'FR76 1683 0000 4500 0000 0009 876', currency: 'USD' },
          name: 'Compte pro',
          usage: 'ORGA',
          cashAccountType: 'CACC',
          psuStatus: 'Co-account Holder',
          _links: {},
        },
      ],
      _links: {},
    });
    assert.equal(account?.currency, 'USD');
    assert.equal(account?.usage, 'professional');
    assert.equal(account?.iban, 'FR7616830000450000000009876');
    assert.equal(account?.maskedIdentifier, '•••• 9876');
    assert.equal(account?.holderStatus, 'Co-account Holder');
    assert.equal('balances' in (account ?? {}), false);
  });

  it('reads a deferred-debit card with its masked PAN and linked account', () => {
    const [card] = normaliseAccounts({
      accounts: [
        {
          resourceId: 'CARD-1',
          accountId: { other: { identification: 'XXXXXXXXXXXX4321', schemeName: 'CPAN' } },
          name: 'Visa Premier',
          cashAccountType: 'CARD',
          linkedAccount: 'ACC-1',
          _links: {},
        },
      ],
      _links: {},
    });
    assert.deepEqual(card, {
      id: 'CARD-1',
      name: 'Visa Premier',
      type: 'card',
      maskedIdentifier: '•••• 4321',
      linkedAccountId: 'ACC-1',
      currency: 'EUR',
    });
  });

  it('returns an empty list for an empty accounts array', () => {
    assert.deepEqual(
      normaliseAccounts({ accounts: [], _links: { self: { href: '/v1/accounts' } } }),
      [],
    );
  });

  it('drops malformed optional fields and keeps the account', () => {
    const [account] = normaliseAccounts({
      accounts: [
        {
          resourceId: 'ODD',
          accountId: { iban: 'not an iban' },
          usage: 'FAMILY',
          currency: 'euro',
          cashAccountType: 'SVGS',
          psuStatus: 42,
          balances: [{ name: 'broken', balanceType: 'CLBD' }],
          extra: { ignored: true },
        },
      ],
    });
    assert.deepEqual(account, {
      id: 'ODD',
      name: 'ODD',
      type: 'current',
      maskedIdentifier: '',
      currency: 'EUR',
    });
  });

  it('refuses a body that is not an object or has no accounts array', () => {
    assertBankError(() => normaliseAccounts(null), 'accounts body is not an object');
    assertBankError(() => normaliseAccounts([]), 'accounts body is not an object');
    assertBankError(() => normaliseAccounts({ _links: {} }), 'accounts is missing');
    assertBankError(() => normaliseAccounts({ accounts: {} }), 'accounts is not an array');
    assertBankError(() => normaliseAccounts({ accounts: ['x'] }), 'accounts[0] is not an object');
  });

  it('refuses an account without a resourceId, naming it', () => {
    assertBankError(
      () =>
        normaliseAccounts({
          accounts: [
            { resourceId: 'A', name: 'a' },
            { name: 'no id', cashAccountType: 'CACC' },
          ],
        }),
      'accounts[1].resourceId is missing',
    );
  });
});

describe('normaliseBalances', () => {
  const balance = (fields: Json) => ({
    name: 'Solde',
    balanceAmount: { amount: 10, currency: 'EUR' },
    balanceType: 'CLBD',
    ...fields,
  });

  it('maps CLBD, XPCD and VALU and treats OTHR, ITAV and unknown types as other', () => {
    const types = normaliseBalances({
      balances: ['CLBD', 'XPCD', 'VALU', 'OTHR', 'ITAV', 'constructor', 42].map((balanceType) =>
        balance({ balanceType }),
      ),
    }).map((entry) => entry.type);
    assert.deepEqual(types, [
      'booked',
      'expected',
      'value-date',
      'other',
      'other',
      'other',
      'other',
    ]);
  });

  it('reads string and number amounts to the same canonical form', () => {
    const amounts = normaliseBalances({
      balances: [
        balance({ balanceAmount: { amount: '-1520.3', currency: 'EUR' } }),
        balance({ balanceAmount: { amount: -1520.3, currency: 'EUR' } }),
      ],
    }).map((entry) => entry.amount);
    assert.deepEqual(amounts, [
      { amount: '-1520.30', currency: 'EUR' },
      { amount: '-1520.30', currency: 'EUR' },
    ]);
  });

  it('reads referenceDate as a date, a date-time or a BPCE date-time', () => {
    const dates = normaliseBalances({
      balances: [
        balance({ referenceDate: '2026-11-20' }),
        balance({ referenceDate: '2026-11-20T00:00:00+01:00' }),
        balance({ referenceDate: '2022-08-25T00:00:00+0200' }),
        balance({ referenceDate: 'soon' }),
      ],
    }).map((entry) => entry.referenceDate);
    assert.deepEqual(dates, ['2026-11-20', '2026-11-20', '2022-08-25', undefined]);
  });

  it('gives lastChangeDateTime as an ISO UTC instant whatever the bank’s offset style', () => {
    const changes = normaliseBalances({
      balances: [
        balance({ lastChangeDateTime: '2026-11-20T09:15:00+0100' }),
        balance({ lastChangeDateTime: '2026-11-20T09:15:00.5+01:00' }),
        balance({ lastChangeDateTime: '2026-07-20T09:15:00' }),
        balance({ lastChangeDateTime: 'now' }),
      ],
    }).map((entry) => entry.lastChangeDateTime);
    assert.deepEqual(changes, [
      '2026-11-20T08:15:00.000Z',
      '2026-11-20T08:15:00.500Z',
      '2026-07-20T07:15:00.000Z',
      undefined,
    ]);
  });

  it('refuses a balance without an amount or with an unreadable one, naming it', () => {
    assertBankError(() => normaliseBalances({ balances: 'none' }), 'balances is not an array');
    assertBankError(
      () => normaliseBalances({ balances: [balance({}), balance({ balanceAmount: undefined })] }),
      'balances[1].balanceAmount is missing',
    );
    assertBankError(
      () =>
        normaliseBalances({
          balances: [balance({ balanceAmount: { amount: '1e3', currency: 'EUR' } })],
        }),
      'balances[0].balanceAmount.amount is not a valid amount',
    );
    assertBankError(
      () => normaliseBalances({ balances: [balance({ balanceAmount: { amount: 1 } })] }),
      'balances[0].balanceAmount.currency is missing',
    );
  });
});

describe('normaliseTransactions', () => {
  it('reads a 1.4.0.47 transaction: string amount, remittance array, plain dates', () => {
    const { transactions, nextHref } = normaliseTransactions(
      transactionsBody(
        transaction({
          resourceId: 'T1',
          entryReference: '0000000001',
          transactionAmount: { amount: '23.4', currency: 'EUR' },
          valueDate: '2026-11-21',
          transactionDate: '2026-11-19',
          remittanceInformation: ['CB CARREFOUR MARKET 19/11'],
        }),
      ),
    );
    assert.equal(nextHref, undefined);
    assert.deepEqual(transactions, [
      {
        id: 'T1',
        entryReference: '0000000001',
        amount: { amount: '-23.40', currency: 'EUR' },
        status: 'booked',
        bookingDate: '2026-11-20',
        valueDate: '2026-11-21',
        transactionDate: '2026-11-19',
        description: 'CB CARREFOUR MARKET 19/11',
      },
    ]);
  });

  it('reads a 1.5 transaction: number amount, remittance object, date-times', () => {
    const credit = normaliseOne({
      resourceId: 'T2',
      transactionAmount: { amount: 1850, currency: 'EUR' },
      creditDebitIndicator: 'CRDT',
      bookingDate: '2026-11-20T00:00:00+01:00',
      valueDate: '2022-08-25T00:00:00+0200',
      transactionDate: '2026-03-29T23:30:00Z',
      remittanceInformation: { unstructured: ['VIR SALAIRE', 'NOVEMBRE'], structured: [{}] },
    });
    assert.equal(credit.amount.amount, '1850.00');
    assert.equal(credit.bookingDate, '2026-11-20');
    assert.equal(credit.valueDate, '2022-08-25');
    assert.equal(credit.transactionDate, '2026-03-30');
    assert.equal(credit.description, 'VIR SALAIRE NOVEMBRE');
  });

  it('signs amounts from creditDebitIndicator without negating a signed amount twice', () => {
    const amount = (fields: Json) => normaliseOne(fields).amount.amount;
    assert.equal(amount({ transactionAmount: { amount: 5, currency: 'EUR' } }), '-5.00');
    assert.equal(amount({ transactionAmount: { amount: '-5', currency: 'EUR' } }), '-5.00');
    assert.equal(
      amount({
        transactionAmount: { amount: '-5', currency: 'EUR' },
        creditDebitIndicator: 'CRDT',
      }),
      '5.00',
    );
    assert.equal(
      amount({
        transactionAmount: { amount: '-5', currency: 'EUR' },
        creditDebitIndicator: undefined,
      }),
      '-5.00',
    );
    assert.equal(amount({ transactionAmount: { amount: 0, currency: 'EUR' } }), '0.00');
  });

  it('maps BOOK and PDNG and folds the other statuses into other', () => {
    const statuses = ['BOOK', 'PDNG', 'OTHR', 'FUTR', 'INFO', 'RJCT', undefined].map(
      (status) => normaliseOne({ status }).status,
    );
    assert.deepEqual(statuses, ['booked', 'pending', 'other', 'other', 'other', 'other', 'other']);
  });

  it('joins remittance lines with one space and copes with none', () => {
    const description = (remittanceInformation: unknown) =>
      normaliseOne({ remittanceInformation }).description;
    assert.equal(description(['  PRLV  EDF ', 'REF   123\t45 ']), 'PRLV EDF REF 123 45');
    assert.equal(description({ unstructured: ['A', 7, 'B'] }), 'A B');
    assert.equal(description({ structured: [{ reference: 'x' }] }), '');
    assert.equal(description(undefined), '');
    assert.equal(description('ONE LINE'), 'ONE LINE');
  });

  it('drops unreadable dates and keeps the transaction', () => {
    const pending = normaliseOne({ status: 'PDNG', bookingDate: '', valueDate: '31/12/2026' });
    assert.equal(pending.bookingDate, undefined);
    assert.equal(pending.valueDate, undefined);
    assert.equal(pending.status, 'pending');
  });

  it('takes the id from resourceId, else entryReference, else a stable hash', () => {
    assert.equal(normaliseOne({ resourceId: 'R', entryReference: 'E' }).id, 'R');
    assert.equal(normaliseOne({ entryReference: 'E' }).id, 'E');
    const hashed = normaliseOne({ remittanceInformation: ['CB CAFE'] }).id;
    assert.match(hashed, /^[0-9a-f]{16}$/);
    assert.equal(normaliseOne({ remittanceInformation: ['CB CAFE'] }).id, hashed);
  });

  it('hashes the same fields to the same id whatever their order', () => {
    const forward = transaction({ remittanceInformation: ['X'] });
    const backward = Object.fromEntries(Object.entries(forward).reverse());
    const [first] = normaliseTransactions(transactionsBody(forward)).transactions;
    const [second] = normaliseTransactions(transactionsBody(backward)).transactions;
    assert.equal(first?.id, second?.id);
  });

  it('never gives two transactions of a page the same id', () => {
    const coffee = transaction({ remittanceInformation: ['CB CAFE'] });
    const { transactions } = normaliseTransactions(
      transactionsBody(
        coffee,
        { ...coffee },
        transaction({ remittanceInformation: ['CB CAFE'], valueDate: '2026-11-21' }),
        transaction({ resourceId: 'DUP' }),
        transaction({ resourceId: 'DUP' }),
        transaction({ entryReference: 'DUP' }),
      ),
    );
    const ids = transactions.map((entry) => entry.id);
    assert.equal(new Set(ids).size, ids.length, ids.join(', '));
    assert.equal(ids[3], 'DUP');
  });

  it('returns the next page link', () => {
    const page = normaliseTransactions({
      transactions: [],
      _links: { next: { href: '/v1/accounts/a/transactions?page=2' } },
    });
    assert.equal(page.nextHref, '/v1/accounts/a/transactions?page=2');
    assert.equal(
      normaliseTransactions({ transactions: [], _links: { next: {} } }).nextHref,
      undefined,
    );
    assert.equal(normaliseTransactions({ transactions: [], _links: 'x' }).nextHref, undefined);
  });

  it('refuses a transaction without an amount, naming its index', () => {
    assertBankError(
      () =>
        normaliseTransactions(
          transactionsBody(
            transaction(),
            transaction(),
            transaction(),
            transaction({ transactionAmount: undefined }),
          ),
        ),
      'transactions[3].transactionAmount is missing',
    );
    assertBankError(
      () =>
        normaliseTransactions(
          transactionsBody(transaction({ transactionAmount: { currency: 'EUR' } })),
        ),
      'transactions[0].transactionAmount.amount is missing',
    );
    assertBankError(
      () =>
        normaliseTransactions(
          transactionsBody(transaction({ transactionAmount: { amount: 'NaN', currency: 'EUR' } })),
        ),
      'transactions[0].transactionAmount.amount is not a valid amount',
    );
    assertBankError(() => normaliseTransactions({ transactions: null }), 'transactions is missing');
    assertBankError(() => normaliseTransactions('[]'), 'transactions body is not an object');
  });
});

describe('normaliseIdentity', () => {
  it('reads the 1.4.2 connectedPsu shape', () => {
    assert.deepEqual(
      normaliseIdentity({
        connectedPsu: 'Mme Cécile Dupond',
        connectedPsuNamePrefix: 'MADM',
        connectedPsuFirstName: 'Cécile',
        connectedPsuLastName: 'Dupond',
        _links: {},
      }),
      {
        fullName: 'Mme Cécile Dupond',
        firstName: 'Cécile',
        lastName: 'Dupond',
        namePrefix: 'MADM',
      },
    );
  });

  it('reads the 1.5 identity shape', () => {
    assert.deepEqual(
      normaliseIdentity({
        identity: {
          fullName: 'M. Luc Martin',
          namePrefix: 'MIST',
          firstName: 'Luc',
          lastName: 'Martin',
        },
        _links: { self: { href: '/v1/end-user-identity' } },
      }),
      { fullName: 'M. Luc Martin', firstName: 'Luc', lastName: 'Martin', namePrefix: 'MIST' },
    );
    assert.deepEqual(normaliseIdentity({ identity: { fullName: 'Claire Petit' } }), {
      fullName: 'Claire Petit',
    });
  });

  it('rebuilds a missing full name from the first and last names', () => {
    assert.deepEqual(
      normaliseIdentity({ connectedPsuFirstName: 'Anne', connectedPsuLastName: 'Petit' }),
      {
        fullName: 'Anne Petit',
        firstName: 'Anne',
        lastName: 'Petit',
      },
    );
  });

  it('refuses an identity without any name', () => {
    assertBankError(
      () => normaliseIdentity({ identity: { namePrefix: 'MADM' } }),
      'identity.fullName is missing',
    );
    assertBankError(() => normaliseIdentity({ _links: {} }), 'connectedPsu is missing');
    assertBankError(() => normaliseIdentity('Marie'), 'identity body is not an object');
  });
});

describe('normaliseBeneficiaries', () => {
  it('reads id, creditor name, IBAN and BIC and the next page', () => {
    assert.deepEqual(
      normaliseBeneficiaries({
        beneficiaries: [
          {
            id: 'B1',
            isTrusted: true,
            creditorAgent: { bicFi: 'AZURFRPPXXX', name: 'Banque Azur' },
            creditor: { name: 'Lucas Dupont' },
            creditorAccount: { iban: 'FR7614520003100000000000123' },
          },
          {
            creditor: { name: 'Sylvie Garnier' },
            creditorAccount: { iban: 'FR00 bad' },
            creditorAgent: { bicFi: 'nope' },
          },
        ],
        _links: { next: { href: '/v1/trusted-beneficiaries?page=2' } },
      }),
      {
        beneficiaries: [
          {
            id: 'B1',
            name: 'Lucas Dupont',
            iban: 'FR7614520003100000000000123',
            bic: 'AZURFRPPXXX',
          },
          { name: 'Sylvie Garnier' },
        ],
        nextHref: '/v1/trusted-beneficiaries?page=2',
      },
    );
  });

  it('refuses a beneficiary without a creditor name', () => {
    assertBankError(
      () => normaliseBeneficiaries({ beneficiaries: [{ creditor: { name: 'A' } }, { id: 'x' }] }),
      'beneficiaries[1].creditor.name is missing',
    );
    assertBankError(
      () => normaliseBeneficiaries({ beneficiaries: 3 }),
      'beneficiaries is not an array',
    );
  });
});

describe('normaliseFundsConfirmation', () => {
  it('reads the coverage result', () => {
    const request = {
      paymentCoverageRequestId: 'c',
      instructedAmount: { amount: 1, currency: 'EUR' },
    };
    assert.deepEqual(normaliseFundsConfirmation({ request, result: true, _links: {} }), {
      available: true,
    });
    assert.deepEqual(normaliseFundsConfirmation({ request, result: false, _links: {} }), {
      available: false,
    });
  });

  it('refuses a report without a boolean result', () => {
    assertBankError(() => normaliseFundsConfirmation({ request: {} }), 'result is missing');
    assertBankError(
      () => normaliseFundsConfirmation({ result: 'true' }),
      'result is not a boolean',
    );
    assertBankError(
      () => normaliseFundsConfirmation(undefined),
      'funds confirmation body is not an object',
    );
  });
});

/** The keys and value types of a JSON value, recursively, with array items deduplicated. */
function describeShape(value: unknown): string {
  if (Array.isArray(value)) return `[${[...new Set(value.map(describeShape))].sort().join('|')}]`;
  if (typeof value === 'object' && value !== null) {
    const object = value as Json;
    return `{${Object.keys(object)
      .sort()
      .map((key) => `${key}:${describeShape(object[key])}`)
      .join(',')}}`;
  }
  return typeof value;
}

describe('normalising the sandbox banks', () => {
  interface BankOutput {
    accounts: ReturnType<typeof normaliseAccounts>;
    balances: Map<string, ReturnType<typeof normaliseBalances>>;
    rawBalances: Map<string, Json>;
    transactions: ReturnType<typeof normaliseTransactions>['transactions'];
    rawTransactions: Json[];
    identity: ReturnType<typeof normaliseIdentity>;
    beneficiaries: ReturnType<typeof normaliseBeneficiaries>['beneficiaries'];
  }
  let sandbox: TestSandbox;
  const outputs = new Map<string, BankOutput>();

  before(async () => {
    sandbox = await startTestSandbox();
    for (const bank of SANDBOX_BANKS) {
      const { access_token: token } = await sandbox.connect(bank.id, { scope: 'aisp cbpii' });
      const get = async (path: string) => {
        const response = await sandbox.callApi(bank.id, path, { token });
        assert.equal(response.status, 200, `${bank.id} ${path}`);
        return (await response.json()) as Json;
      };
      const accounts = normaliseAccounts(await get('/accounts'));
      const output: BankOutput = {
        accounts,
        balances: new Map(),
        rawBalances: new Map(),
        transactions: [],
        rawTransactions: [],
        identity: normaliseIdentity(await get('/end-user-identity')),
        beneficiaries: normaliseBeneficiaries(await get('/trusted-beneficiaries')).beneficiaries,
      };
      for (const account of accounts) {
        const id = encodeURIComponent(account.id);
        const raw = await get(`/accounts/${id}/balances`);
        output.rawBalances.set(account.id, raw);
        output.balances.set(account.id, normaliseBalances(raw));
        const page = await get(`/accounts/${id}/transactions`);
        output.rawTransactions.push(...(page.transactions as Json[]));
        output.transactions.push(...normaliseTransactions(page).transactions);
      }
      outputs.set(bank.id, output);
    }
  });
  after(() => sandbox?.stop());

  const output = (bankId: string) => {
    const found = outputs.get(bankId);
    assert.ok(found, `no output for ${bankId}`);
    return found;
  };

  /** One shape per kind of object, the same at every bank if normalisation did its job. */
  const describeBank = (bankId: string) => {
    const bank = output(bankId);
    return {
      // Embedded balances depend on the bank's profile, not on normalisation.
      accounts: describeShape(bank.accounts.map(({ balances: _balances, ...account }) => account)),
      balances: describeShape([...bank.balances.values()].flat()),
      transactions: describeShape(bank.transactions),
      identity: describeShape(bank.identity),
      beneficiaries: describeShape(bank.beneficiaries),
    };
  };

  it('gives every bank’s data the same shape, whatever its STET version', () => {
    const [first, ...others] = SANDBOX_BANKS.map((bank) => bank.id);
    assert.ok(first && others.length === 3);
    const reference = describeBank(first);
    for (const bankId of others) assert.deepEqual(describeBank(bankId), reference, bankId);
    assert.match(reference.accounts, /maskedIdentifier:string/);
    assert.match(reference.transactions, /bookingDate:string/);
  });

  it('gives canonical amounts, ISO dates and unique ids at every bank', () => {
    for (const bank of SANDBOX_BANKS) {
      const { accounts, balances, transactions } = output(bank.id);
      assert.deepEqual(
        accounts.map((account) => account.type).sort(),
        ['card', 'current', 'current'],
        bank.id,
      );
      for (const account of accounts) {
        assert.match(account.maskedIdentifier, /^•••• [0-9A-Z]{4}$/);
        for (const balance of [...(account.balances ?? []), ...(balances.get(account.id) ?? [])]) {
          assert.match(balance.amount.amount, CANONICAL_AMOUNT);
          assert.match(balance.referenceDate ?? '', ISO_DATE);
        }
      }
      const card = accounts.find((account) => account.type === 'card');
      assert.ok(
        accounts.some((account) => account.id === card?.linkedAccountId),
        bank.id,
      );
      assert.ok(transactions.length > 0, bank.id);
      for (const entry of transactions) {
        assert.match(entry.amount.amount, CANONICAL_AMOUNT);
        for (const date of [entry.bookingDate, entry.valueDate, entry.transactionDate]) {
          assert.match(date ?? '', ISO_DATE, `${bank.id} ${entry.id}`);
        }
        assert.notEqual(entry.description, '');
      }
      const ids = transactions.map((entry) => entry.id);
      assert.equal(new Set(ids).size, ids.length);
    }
  });

  it('gives each transaction the Paris date and signed amount its raw JSON meant', () => {
    for (const bank of SANDBOX_BANKS) {
      const { transactions, rawTransactions } = output(bank.id);
      assert.equal(transactions.length, rawTransactions.length);
      rawTransactions.forEach((raw, index) => {
        const entry = transactions[index];
        // The sandbox writes Paris dates, or Paris midnight with the Paris offset.
        assert.equal(entry?.bookingDate, String(raw.bookingDate).slice(0, 10), bank.id);
        assert.equal(entry?.transactionDate, String(raw.transactionDate).slice(0, 10), bank.id);
        assert.equal(entry?.id, raw.resourceId);
        const { amount } = raw.transactionAmount as { amount: string | number };
        const magnitude = Number(amount).toFixed(2);
        assert.equal(
          entry?.amount.amount,
          raw.creditDebitIndicator === 'DBIT' ? `-${magnitude}` : magnitude,
        );
      });
    }
  });

  it('reads the same customer at a 1.4.0.47 bank and a 1.5 bank to the amounts their JSON said', () => {
    const versions = new Map(SANDBOX_BANKS.map((bank) => [bank.id, bank.profile.stetVersion]));
    const older = SANDBOX_BANKS.find((bank) => bank.profile.stetVersion === '1.4.0.47');
    const newer = SANDBOX_BANKS.find((bank) => bank.profile.stetVersion !== '1.4.0.47');
    assert.ok(older && newer);
    assert.equal(output(older.id).identity.fullName, output(newer.id).identity.fullName);
    for (const bankId of [older.id, newer.id]) {
      let compared = 0;
      for (const [accountId, raw] of output(bankId).rawBalances) {
        const rawList = raw.balances as { balanceAmount: { amount: unknown } }[];
        const normalised = output(bankId).balances.get(accountId) ?? [];
        rawList.forEach((rawBalance, index) => {
          const said = rawBalance.balanceAmount.amount;
          const canonical = normalised[index]?.amount.amount;
          if (versions.get(bankId) === '1.4.0.47') {
            assert.equal(typeof said, 'string');
            assert.equal(canonical, said);
          } else {
            assert.equal(typeof said, 'number');
            assert.equal(Number(canonical), said);
            assert.equal(canonical, (said as number).toFixed(2));
          }
          compared += 1;
        });
      }
      assert.ok(compared > 0, bankId);
    }
  });
});
