/**
 * The customer's data, fetched from the bank with the session's tokens and normalised into one
 * bank-agnostic shape (api-types.ts): accounts, balances, transactions (opaque cursor paging,
 * date filters), identity, trusted beneficiaries, and CBPII funds confirmations.
 *
 * The BFF forwards only these routes, with fixed bank paths (RFC 10017 §6.1.4: allowlist
 * proxied destinations); a pagination cursor is the bank's `next` link sealed to the session, so
 * the page can neither read it nor point it elsewhere.
 */
import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import type {
  AccountList,
  BalanceList,
  FundsConfirmation,
  Identity,
  TransactionPage,
  TrustedBeneficiaryList,
} from '../api-types.js';
import type { BffContext } from '../context.js';
import { BffError, hasCode, invalidRequest } from '../errors.js';
import { handle } from '../http.js';
import type { SessionRecord } from '../sessions/store.js';
import {
  formatAmountForBank,
  normaliseAccounts,
  normaliseBalances,
  normaliseBeneficiaries,
  normaliseFundsConfirmation,
  normaliseIdentity,
  normaliseTransactions,
  parseStetAmount,
} from '../stet/normalise.js';
import { psuIp } from './flows.js';
import { requireSession } from './session.js';
import { parseBody } from './validation.js';

const ACCOUNT_ID = /^[a-zA-Z0-9 \-?:().,'_]{1,100}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const fundsSchema = z
  .object({
    accountId: z.string().regex(ACCOUNT_ID, 'accountId is malformed'),
    amount: z
      .object({
        amount: z
          .string()
          .regex(/^\d{1,13}(\.\d{1,5})?$/, 'amount must be a positive decimal string')
          // At least one cent: banks refuse a zero amount (STET: a positive instructedAmount).
          .refine((amount) => Number(amount) >= 0.01, 'amount must be a positive decimal string'),
        currency: z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code'),
      })
      .strict(),
    payee: z.string().min(1).max(70).optional(),
  })
  .strict();

function readQuery(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidRequest(`${name} must be given once`);
  return value;
}

function readDate(req: Request, name: string): string | undefined {
  const value = readQuery(req, name);
  if (value === undefined) return undefined;
  if (!DATE.test(value) || Number.isNaN(Date.parse(value)))
    throw invalidRequest(`${name} must be a date (YYYY-MM-DD)`);
  return value;
}

function readAccountId(req: Request): string {
  const id = String(req.params.accountId);
  if (!ACCOUNT_ID.test(id)) throw invalidRequest('accountId is malformed');
  return id;
}

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

export function createDataRouter(context: BffContext): Router {
  const router = express.Router();
  const { sessions, sealer } = context;

  const get = (record: SessionRecord, req: Request, path: string) =>
    sessions.callBank(record, { method: 'GET', path, ...psuIp(req) });

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
  const requireConsent = async (req: Request, scope: 'aisp' | 'cbpii') => {
    const record = await requireSession(context, req);
    if (!record.scopes.includes(scope)) {
      throw new BffError('access_denied', `the consent does not include ${scope}`, {
        aspsp: record.aspsp,
      });
    }
    return record;
  };

  router.get(
    '/v1/accounts',
    handle(async (req, res) => {
      const record = await requireConsent(req, 'aisp');
      const { body } = await get(record, req, '/accounts');
      const result: AccountList = {
        accounts: body === undefined ? [] : normalise(record.aspsp, () => normaliseAccounts(body)),
      };
      res.set('Cache-Control', 'no-store').json(result);
    }),
  );

  router.get(
    '/v1/accounts/:accountId/balances',
    handle(async (req, res) => {
      const record = await requireConsent(req, 'aisp');
      const path = `/accounts/${encodeURIComponent(readAccountId(req))}/balances`;
      const { body } = await withPageInput(record.aspsp, 'this accountId', () =>
        get(record, req, path),
      );
      const result: BalanceList = {
        balances: normalise(record.aspsp, () => normaliseBalances(body)),
      };
      res.set('Cache-Control', 'no-store').json(result);
    }),
  );

  router.get(
    '/v1/accounts/:accountId/transactions',
    handle(async (req, res) => {
      const record = await requireConsent(req, 'aisp');
      const accountId = readAccountId(req);
      const cursor = readQuery(req, 'cursor');
      let path: string;
      if (cursor !== undefined) {
        if (req.query.dateFrom !== undefined || req.query.dateTo !== undefined) {
          throw invalidRequest('cursor carries its own dates: do not repeat dateFrom or dateTo');
        }
        path = openCursor(record, `transactions:${accountId}`, cursor);
      } else {
        const dateFrom = readDate(req, 'dateFrom');
        const dateTo = readDate(req, 'dateTo');
        if (dateFrom && dateTo && dateFrom >= dateTo)
          throw invalidRequest('dateFrom must be before dateTo');
        const query = new URLSearchParams();
        // STET 1.4.0.47: dateFrom is inclusive, dateTo exclusive, both date-times.
        if (dateFrom) query.set('dateFrom', `${dateFrom}T00:00:00Z`);
        if (dateTo) query.set('dateTo', `${dateTo}T00:00:00Z`);
        const search = query.toString();
        path = `/accounts/${encodeURIComponent(accountId)}/transactions${search ? `?${search}` : ''}`;
      }
      const { body } = await withPageInput(record.aspsp, 'this accountId or these dates', () =>
        get(record, req, path),
      );
      const page = normalise(record.aspsp, () => normaliseTransactions(body));
      const result: TransactionPage = {
        transactions: page.transactions,
        nextCursor: sealCursor(record, `transactions:${accountId}`, page.nextHref),
      };
      res.set('Cache-Control', 'no-store').json(result);
    }),
  );

  router.get(
    '/v1/identity',
    handle(async (req, res) => {
      const record = await requireConsent(req, 'aisp');
      const { body } = await get(record, req, '/end-user-identity');
      const result: Identity = normalise(record.aspsp, () => normaliseIdentity(body));
      res.set('Cache-Control', 'no-store').json(result);
    }),
  );

  router.get(
    '/v1/trusted-beneficiaries',
    handle(async (req, res) => {
      const record = await requireConsent(req, 'aisp');
      const cursor = readQuery(req, 'cursor');
      const { body } = await get(
        record,
        req,
        cursor ? openCursor(record, 'beneficiaries', cursor) : '/trusted-beneficiaries',
      );
      const page = normalise(record.aspsp, () => normaliseBeneficiaries(body));
      const result: TrustedBeneficiaryList & { nextCursor: string | null } = {
        beneficiaries: page.beneficiaries,
        nextCursor: sealCursor(record, 'beneficiaries', page.nextHref),
      };
      res.set('Cache-Control', 'no-store').json(result);
    }),
  );

  router.post(
    '/v1/funds-confirmations',
    handle(async (req, res) => {
      const record = await requireConsent(req, 'cbpii');
      const input = parseBody(fundsSchema, req.body);
      const bank = context.banks.get(record.aspsp);
      if (!bank)
        throw new BffError('unknown_aspsp', `aspsp ${record.aspsp} is not in the registry`);
      // STET funds confirmations name the account by IBAN; the page knows only our ids.
      const { body: accountsBody } = await get(record, req, '/accounts');
      const accounts =
        accountsBody === undefined
          ? []
          : normalise(record.aspsp, () => normaliseAccounts(accountsBody));
      const account = accounts.find((candidate) => candidate.id === input.accountId);
      if (!account?.iban)
        throw new BffError('not_found', 'no current account with this accountId in the consent');
      let amount: string;
      let instructed: string | number;
      try {
        amount = parseStetAmount(input.amount.amount);
        instructed = formatAmountForBank(amount, bank.aspsp.profile.amountFormat);
      } catch (error) {
        if (error instanceof RangeError) throw invalidRequest('amount.amount is out of range');
        throw error;
      }
      const { body } = await withPageInput(
        record.aspsp,
        'this amount or currency for a funds confirmation',
        () =>
          sessions.callBank(record, {
            method: 'POST',
            path: '/funds-confirmations',
            ...psuIp(req),
            body: {
              paymentCoverageRequestId: `bc-${Date.now().toString(36)}`.slice(0, 35),
              ...(input.payee ? { payee: input.payee } : {}),
              instructedAmount: {
                amount: instructed,
                currency: input.amount.currency,
              },
              accountId: { iban: account.iban },
            },
          }),
      );
      const result: FundsConfirmation = normalise(record.aspsp, () =>
        normaliseFundsConfirmation(body),
      );
      res.set('Cache-Control', 'no-store').json(result);
    }),
  );

  return router;
}
