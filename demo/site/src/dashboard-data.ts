/**
 * Loads everything the dashboard shows through the BFF, with the widget's client
 * (`@bank-connect/widget/client`), which signs every call with the key the handle is bound to:
 * the session, the bank, the customer's name, the accounts with their booked balance and about
 * six months of transactions.
 */
import type {
  Account,
  AspspSummary,
  Balance,
  Identity,
  SessionInfo,
  Transaction,
} from '../../../backend-for-frontend/contract/index.js';
import { BankConnectError, type BankConnectClient } from '../../../widget/client.js';
import { addDays, parseCents } from './money.js';

/** An account with what the dashboard needs of it. */
export interface AccountView {
  account: Account;
  /** The booked balance in cents, with its currency and date; absent if the bank gave none. */
  balance: { cents: number; currency: string; date: string } | undefined;
  transactions: Transaction[];
}

/** The dashboard's data. */
export interface DashboardData {
  session: SessionInfo;
  bank: AspspSummary | undefined;
  identity: Identity | undefined;
  accounts: AccountView[];
  /** The first day the transactions cover. */
  historyFrom: string;
  today: string;
}

/** The days of history a bank gives without `extended_transaction_history` (the last 90). */
const RECENT_DAYS = 89;
/** The chart's six months, for a consent with `extended_transaction_history`. */
const HISTORY_DAYS = 181;
/** Stops following `nextCursor` after this many pages, so a chatty bank cannot stall the page. */
const MAX_PAGES = 40;

/** The booked balance if there is one (STET `CLBD`), else the first the bank sent. */
export function pickBookedBalance(balances: readonly Balance[]): Balance | undefined {
  return balances.find((balance) => balance.type === 'booked') ?? balances[0];
}

/** The day a transaction counts for: booking date, else value date, else transaction date. */
export function transactionDate(transaction: Transaction): string | undefined {
  return transaction.bookingDate ?? transaction.valueDate ?? transaction.transactionDate;
}

function isReauth(error: unknown): boolean {
  return (error as Partial<BankConnectError> | undefined)?.code === 'REAUTH_REQUIRED';
}

/** Every transaction of `dateFrom`–`dateTo`, page after page, up to `MAX_PAGES` pages. */
async function readTransactions(
  client: BankConnectClient,
  accountId: string,
  dateFrom: string,
  dateTo: string,
): Promise<Transaction[]> {
  const transactions: Transaction[] = [];
  let pages = 0;
  for await (const page of client.transactionPages(accountId, { dateFrom, dateTo })) {
    transactions.push(...page.transactions);
    if (++pages === MAX_PAGES) break;
  }
  return transactions;
}

/**
 * Loads the dashboard. Throws a `BankConnectError` (`REAUTH_REQUIRED`, `BANK_UNAVAILABLE`…) when a
 * call the dashboard cannot do without fails. History beyond 90 days needs the
 * `extended_transaction_history` scope: with it the six months are asked as one range (the BFF
 * splits it for banks that cap their date windows), without it the last 89 days.
 */
export async function loadDashboard(
  client: BankConnectClient,
  today: string,
  directory: Promise<AspspSummary[]>,
): Promise<DashboardData> {
  const session = await client.session();
  if (session.status === 'reauth_required') {
    // What the BFF's data routes would answer: the banner offers to renew with this bank.
    throw Object.assign(new BankConnectError('REAUTH_REQUIRED', 'the consent has ended'), {
      aspsp: session.aspsp,
    });
  }
  const [identity, { accounts }, aspsps] = await Promise.all([
    client.identity().catch((error: unknown) => {
      if (isReauth(error)) throw error;
      return undefined;
    }),
    client.accounts(),
    directory.catch(() => []),
  ]);
  const extended = session.scopes.includes('extended_transaction_history');
  const historyFrom = addDays(today, -(extended ? HISTORY_DAYS : RECENT_DAYS));
  const tomorrow = addDays(today, 1);
  const views = await Promise.all(
    accounts.map(async (account): Promise<AccountView> => {
      const [balances, transactions] = await Promise.all([
        account.balances ?? client.balances(account.id).then((list) => list.balances),
        readTransactions(client, account.id, historyFrom, tomorrow),
      ]);
      const booked = pickBookedBalance(balances);
      return {
        account,
        balance: booked && {
          cents: parseCents(booked.amount.amount),
          currency: booked.amount.currency,
          date: booked.referenceDate ?? today,
        },
        transactions,
      };
    }),
  );
  return {
    session,
    bank: aspsps.find((aspsp) => aspsp.id === session.aspsp),
    identity,
    accounts: views,
    historyFrom,
    today,
  };
}
