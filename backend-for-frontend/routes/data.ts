/**
 * The customer's data, fetched from the bank with the session's tokens and normalised into one
 * bank-agnostic shape (contract/schemas.ts): accounts, balances, transactions (opaque cursor paging,
 * date filters), identity, trusted beneficiaries, and CBPII funds confirmations.
 *
 * The BFF forwards only these routes, with fixed bank paths (RFC 10017 §6.1.4: allowlist
 * proxied destinations); a pagination cursor is sealed to the session and the list it pages, so
 * the page can neither read it nor point it elsewhere: it holds the bank's `next` link and, for a
 * range longer than the bank's date window, the windows still to ask for.
 */
import express, { type Request, type Router } from 'express';
import type {
  AccountList,
  BalanceList,
  FundsConfirmation,
  Identity,
  TransactionPage,
  TrustedBeneficiaryList,
} from '../contract/index.js';
import { OPERATIONS } from '../contract/operations.js';
import type { BffContext } from '../context.js';
import { BffError, hasCode, invalidRequest } from '../errors.js';
import { readPsuContext } from '../http.js';
import type { SessionRecord } from '../sessions/store.js';
import {
  normaliseAccounts,
  normaliseBalances,
  normaliseBeneficiaries,
  normaliseFundsConfirmation,
  normaliseIdentity,
  normaliseTransactions,
} from '../stet/normalise.js';
import { findBank, type BankClient } from '../stet/bank-client.js';
import type { DateRange } from '../stet/date-windows.js';
import { formatParisDate } from '../stet/paris-dates.js';
import type { ResourceTarget } from '../stet/resource-client.js';
import { createServe } from './operation.js';

/** Runs a normaliser; a malformed bank body's `bank_error` names the bank. */
function normalise<T>(aspsp: string, read: () => T): T {
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
 * For bank calls built from the page's input (an account id, dates, an amount): a 400 from the
 * bank refuses that input, so the page gets `invalid_request`, not a 502 that blames the bank.
 */
async function withPageInput<T>(aspsp: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (hasCode(error, 'bank_error') && error.bankStatus === 400) {
      throw new BffError('invalid_request', `the bank refused ${what}`, { aspsp, cause: error });
    }
    throw error;
  }
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

export function createDataRouter(context: BffContext): Router {
  const router = express.Router();
  const serve = createServe(router, context);
  const { sessions, sealer } = context;
  const { cookieMode } = context.config;

  const get = (record: SessionRecord, req: Request, target: ResourceTarget) =>
    sessions.callBank(record, { method: 'GET', ...target, psu: readPsuContext(req, cookieMode) });

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

  /** The request's session, which must hold the scope the route serves. */
  const requireConsent = (record: SessionRecord, scope: 'aisp' | 'cbpii') => {
    if (!record.scopes.includes(scope)) {
      throw new BffError('access_denied', `the consent does not include ${scope}`, {
        aspsp: record.aspsp,
      });
    }
    return record;
  };

  serve(OPERATIONS.listAccounts, async ({ session }, req, res) => {
    const record = requireConsent(session, 'aisp');
    const { body } = await get(record, req, { path: '/accounts' });
    const result: AccountList = {
      accounts: body === undefined ? [] : normalise(record.aspsp, () => normaliseAccounts(body)),
    };
    res.set('Cache-Control', 'no-store').json(result);
  });

  serve(OPERATIONS.listBalances, async ({ session, params }, req, res) => {
    const record = requireConsent(session, 'aisp');
    const path = `/accounts/${encodeURIComponent(params.accountId)}/balances`;
    const { body } = await withPageInput(record.aspsp, 'this accountId', () =>
      get(record, req, { path }),
    );
    const result: BalanceList = {
      balances: normalise(record.aspsp, () => normaliseBalances(body)),
    };
    res.set('Cache-Control', 'no-store').json(result);
  });

  /** The bank path of an account's transactions, with the dates as this bank writes them. */
  const transactionsPath = (bank: BankClient, accountId: string, dates: Partial<DateRange>) => {
    const search = new URLSearchParams();
    // STET 1.4.0.47: dateFrom is inclusive, dateTo exclusive, both date-times.
    if (dates.dateFrom) search.set('dateFrom', bank.profile.writeDateParameter(dates.dateFrom));
    if (dates.dateTo) search.set('dateTo', bank.profile.writeDateParameter(dates.dateTo));
    const text = search.toString();
    return `/accounts/${encodeURIComponent(accountId)}/transactions${text ? `?${text}` : ''}`;
  };

  // A range longer than the bank's date window is asked window by window, newest first; the
  // cursor carries the bank's next link within the current window and the windows still to ask,
  // so the page pages through one list whatever the bank's cap.
  serve(OPERATIONS.listTransactions, async ({ session, params, query }, req, res) => {
    const record = requireConsent(session, 'aisp');
    const bank = findBank(context.banks, record.aspsp);
    const { accountId } = params;
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
      get(record, req, target),
    );
    const page = normalise(record.aspsp, () => normaliseTransactions(body));
    const more = page.nextHref !== undefined || windows.length > 0;
    const result: TransactionPage = {
      transactions: page.transactions,
      nextCursor: more
        ? sealCursor(record, list, writeTransactionsCursor({ next: page.nextHref, windows }))
        : null,
    };
    res.set('Cache-Control', 'no-store').json(result);
  });

  serve(OPERATIONS.getIdentity, async ({ session }, req, res) => {
    const record = requireConsent(session, 'aisp');
    const { body } = await get(record, req, { path: '/end-user-identity' });
    const result: Identity = normalise(record.aspsp, () => normaliseIdentity(body));
    res.set('Cache-Control', 'no-store').json(result);
  });

  serve(OPERATIONS.listTrustedBeneficiaries, async ({ session, query }, req, res) => {
    const record = requireConsent(session, 'aisp');
    const target = query.cursor
      ? { link: openCursor(record, 'beneficiaries', query.cursor) }
      : { path: '/trusted-beneficiaries' };
    const { body } = await get(record, req, target);
    const page = normalise(record.aspsp, () => normaliseBeneficiaries(body));
    const result: TrustedBeneficiaryList = {
      beneficiaries: page.beneficiaries,
      nextCursor: sealCursor(record, 'beneficiaries', page.nextHref),
    };
    res.set('Cache-Control', 'no-store').json(result);
  });

  serve(OPERATIONS.confirmFunds, async ({ session, body: input }, req, res) => {
    const record = requireConsent(session, 'cbpii');
    const bank = findBank(context.banks, record.aspsp);
    // STET funds confirmations name the account by IBAN; the page knows only our ids.
    const { body: accountsBody } = await get(record, req, { path: '/accounts' });
    const accounts =
      accountsBody === undefined
        ? []
        : normalise(record.aspsp, () => normaliseAccounts(accountsBody));
    const account = accounts.find((candidate) => candidate.id === input.accountId);
    if (!account?.iban)
      throw new BffError('not_found', 'no current account with this accountId in the consent');
    let instructed: string | number;
    try {
      instructed = bank.profile.writeAmount(input.amount.amount);
    } catch (error) {
      // A bank that wants a JSON number cannot carry 18 significant digits exactly.
      if (error instanceof RangeError)
        throw invalidRequest('amount.amount cannot be sent exactly to this bank', 'amount.amount');
      throw error;
    }
    const { body } = await withPageInput(
      record.aspsp,
      'this amount or currency for a funds confirmation',
      () =>
        sessions.callBank(record, {
          method: 'POST',
          path: '/funds-confirmations',
          psu: readPsuContext(req, cookieMode),
          body: {
            paymentCoverageRequestId: `bc-${Date.now().toString(36)}`.slice(0, 35),
            ...(input.payee ? { payee: input.payee } : {}),
            instructedAmount: { amount: instructed, currency: input.amount.currency },
            accountId: { iban: account.iban },
          },
        }),
    );
    const result: FundsConfirmation = normalise(record.aspsp, () =>
      normaliseFundsConfirmation(body),
    );
    res.set('Cache-Control', 'no-store').json(result);
  });

  return router;
}
