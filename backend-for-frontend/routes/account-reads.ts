/**
 * The reads of the customer's accounts, balances and transactions, from the bank call to the
 * normalised answer, shared by the page's routes (data.ts) and the partner-server API
 * (partner.ts): the same bank paths, date windows, cursors and normalisation, whoever asks. The
 * caller says whether the customer is present (`psu`): the bank calls carry their context then,
 * and none without.
 *
 * A pagination cursor is sealed to the session and the list it pages, so the caller can neither
 * read it nor point it elsewhere: it holds the bank's `next` link and, for a range longer than the
 * bank's date window, the windows still to ask for.
 */
import { createHash } from 'node:crypto';
import type {
  AccountList,
  BalanceList,
  TransactionPage,
  TransactionsQuery,
} from '../contract/index.js';
import type { BffContext } from '../context.js';
import { BffError, hasCode, invalidRequest } from '../errors.js';
import type { SessionRecord } from '../sessions/store.js';
import { findBank, type BankClient } from '../stet/bank-client.js';
import type { PsuContext } from '../stet/bank-profile.js';
import type { DateRange } from '../stet/date-windows.js';
import { normaliseAccounts, normaliseBalances, normaliseTransactions } from '../stet/normalise.js';
import { formatParisDate } from '../stet/paris-dates.js';
import type { ResourceTarget } from '../stet/resource-client.js';

/** Runs a normaliser; a malformed bank body's `bank_error` names the bank. */
export function normalise<T>(aspsp: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (hasCode(error, 'bank_error')) {
      throw new BffError('bank_error', error.message, { aspsp, cause: error });
    }
    throw error;
  }
}

/**
 * For bank calls built from the caller's input (an account id, dates, an amount): a 400 from the
 * bank refuses that input, so the caller gets `invalid_request`, not a 502 that blames the bank.
 */
export async function withPageInput<T>(
  aspsp: string,
  what: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (hasCode(error, 'bank_error') && error.bankStatus === 400) {
      throw new BffError('invalid_request', `the bank refused ${what}`, { aspsp, cause: error });
    }
    throw error;
  }
}

/** The session, which must hold the scope the route serves. */
export function requireConsent(record: SessionRecord, scope: 'aisp' | 'cbpii'): SessionRecord {
  if (!record.scopes.includes(scope)) {
    throw new BffError('access_denied', `the consent does not include ${scope}`, {
      aspsp: record.aspsp,
    });
  }
  return record;
}

/**
 * Where a transactions list goes on: the bank's `next` link within the current date window, if
 * any, and the windows still to ask for, newest first.
 */
interface TransactionsCursor {
  next: string | undefined;
  windows: DateRange[];
}

/** The sealed text of a transactions cursor: compact, since the page sends it back in a URL. */
function writeTransactionsCursor(cursor: TransactionsCursor): string {
  return JSON.stringify({
    ...(cursor.next === undefined ? {} : { n: cursor.next }),
    w: cursor.windows.map((window) => [window.dateFrom, window.dateTo]),
  });
}

function readTransactionsCursor(text: string): TransactionsCursor {
  // A cursor sealed before date windows existed is the bank's bare next link: still authentic.
  if (!text.startsWith('{')) return { next: text, windows: [] };
  const { n, w } = JSON.parse(text) as { n?: string; w: [string, string][] };
  return { next: n, windows: w.map(([dateFrom, dateTo]) => ({ dateFrom, dateTo })) };
}

/**
 * One read: the bank resource it counts against when the customer is away (as banks count them,
 * STET resource paths: `accounts`, `accounts/{id}/balances`, `accounts/{id}/transactions`), and
 * the key of its answer in the sync cache.
 */
export interface ReadKey {
  resource: string;
  cacheKey: string;
}

export const accountsRead: ReadKey = { resource: 'accounts', cacheKey: 'accounts' };

export function balancesRead(accountId: string): ReadKey {
  const resource = `accounts/${accountId}/balances`;
  return { resource, cacheKey: resource };
}

/** A first page is kept by its dates; a further page by its cursor's hash. */
export function transactionsRead(accountId: string, query: TransactionsQuery): ReadKey {
  const resource = `accounts/${accountId}/transactions`;
  const which =
    query.cursor === undefined
      ? `?dateFrom=${query.dateFrom ?? ''}&dateTo=${query.dateTo ?? ''}`
      : `#${createHash('sha256').update(query.cursor).digest('base64url')}`;
  return { resource, cacheKey: `${resource}${which}` };
}

export type AccountReads = ReturnType<typeof createAccountReads>;

export function createAccountReads(context: BffContext) {
  const { sessions, sealer } = context;

  const get = (record: SessionRecord, psu: PsuContext | undefined, target: ResourceTarget) =>
    sessions.callBank(record, { method: 'GET', ...target, psu });

  // A cursor is bound to its session and to the list it pages (an account's transactions, or
  // the beneficiaries): one list's cursor on another's route is refused, not sent to the bank.
  const sealCursor = (record: SessionRecord, list: string, href: string | undefined) =>
    href ? sealer.seal(href, `cursor:${record.id}:${list}`) : null;

  const openCursor = (record: SessionRecord, list: string, cursor: string): string => {
    try {
      return sealer.open(cursor, `cursor:${record.id}:${list}`);
    } catch (error) {
      if (hasCode(error, 'sealing_failed'))
        throw invalidRequest('cursor is not valid for this session', 'cursor');
      throw error;
    }
  };

  /** The bank path of an account's transactions, with the dates as this bank writes them. */
  const transactionsPath = (bank: BankClient, accountId: string, dates: Partial<DateRange>) => {
    const search = new URLSearchParams();
    // STET 1.4.0.47: dateFrom is inclusive, dateTo exclusive, both date-times.
    if (dates.dateFrom) search.set('dateFrom', bank.profile.writeDateParameter(dates.dateFrom));
    if (dates.dateTo) search.set('dateTo', bank.profile.writeDateParameter(dates.dateTo));
    const text = search.toString();
    return `/accounts/${encodeURIComponent(accountId)}/transactions${text ? `?${text}` : ''}`;
  };

  return {
    get,
    sealCursor,
    openCursor,

    async listAccounts(record: SessionRecord, psu: PsuContext | undefined): Promise<AccountList> {
      const { body } = await get(requireConsent(record, 'aisp'), psu, { path: '/accounts' });
      return {
        accounts: body === undefined ? [] : normalise(record.aspsp, () => normaliseAccounts(body)),
      };
    },

    async listBalances(
      record: SessionRecord,
      psu: PsuContext | undefined,
      accountId: string,
    ): Promise<BalanceList> {
      requireConsent(record, 'aisp');
      const path = `/accounts/${encodeURIComponent(accountId)}/balances`;
      const { body } = await withPageInput(record.aspsp, 'this accountId', () =>
        get(record, psu, { path }),
      );
      return { balances: normalise(record.aspsp, () => normaliseBalances(body)) };
    },

    // A range longer than the bank's date window is asked window by window, newest first; the
    // cursor carries the bank's next link within the current window and the windows still to
    // ask, so the caller pages through one list whatever the bank's cap.
    async listTransactions(
      record: SessionRecord,
      psu: PsuContext | undefined,
      accountId: string,
      query: TransactionsQuery,
    ): Promise<TransactionPage> {
      requireConsent(record, 'aisp');
      const bank = findBank(context.banks, record.aspsp);
      const list = `transactions:${accountId}`;
      let target: ResourceTarget;
      let windows: DateRange[];
      if (query.cursor !== undefined) {
        if (query.dateFrom !== undefined || query.dateTo !== undefined) {
          throw invalidRequest(
            'cursor carries its own dates: do not repeat dateFrom or dateTo',
            'cursor',
          );
        }
        const cursor = readTransactionsCursor(openCursor(record, list, query.cursor));
        const [window, ...rest] = cursor.windows;
        if (cursor.next !== undefined) {
          target = { link: cursor.next };
          windows = cursor.windows;
        } else if (window) {
          target = { path: transactionsPath(bank, accountId, window) };
          windows = rest;
        } else {
          throw invalidRequest('cursor is not valid for this session', 'cursor');
        }
      } else {
        const { dateFrom, dateTo } = query;
        if (dateFrom && dateTo && dateFrom >= dateTo)
          throw invalidRequest('dateFrom must be before dateTo', 'dateFrom');
        const planned = bank.profile.planDateWindows(
          { dateFrom, dateTo },
          formatParisDate(context.now()),
        );
        const [first, ...rest] = planned ?? [];
        target = { path: transactionsPath(bank, accountId, first ?? { dateFrom, dateTo }) };
        windows = rest;
      }
      const { body } = await withPageInput(record.aspsp, 'this accountId or these dates', () =>
        get(record, psu, target),
      );
      const page = normalise(record.aspsp, () => normaliseTransactions(body));
      const more = page.nextHref !== undefined || windows.length > 0;
      return {
        transactions: page.transactions,
        nextCursor: more
          ? sealCursor(record, list, writeTransactionsCursor({ next: page.nextHref, windows }))
          : null,
      };
    },
  };
}
