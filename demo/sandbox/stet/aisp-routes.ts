/**
 * The AISP and CBPII resources of a sandbox bank (STET 1.4.0.47 Part II; 1.4.2+ shapes where the
 * profile says so) on the mTLS listener, behind the checks of `api-gateway.ts`. Accesses without
 * the customer count against the RTS limit of four a day (`unattended-access.ts`).
 */
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { SandboxContext } from '../context.js';
import { getParisDate } from '../data/calendar.js';
import type { SandboxAccount } from '../data/types.js';
import { createSecret, type BankState, type Scope } from '../state.js';
import { authorizeCall, type ApiCall } from './api-gateway.js';
import { sendStetError, StetError } from './errors.js';
import {
  accountPath,
  formatAccount,
  formatBalance,
  formatBeneficiary,
  formatIdentity,
  formatTransaction,
  parseAmount,
} from './format.js';
import type { HalLink } from './links.js';
import { recordUnattendedAccess } from './unattended-access.js';

const HISTORY_WITHOUT_EXTENSION_DAYS = 90;
const MAX_CURSORS = 10_000;
const PAGE = /^([A-Za-z0-9_-]{16})\.([1-9][0-9]{0,5})$/;
const RESOURCE_ID = /^[a-zA-Z0-9 /\-?:().,']{1,35}$/;
const HAL_JSON = 'application/hal+json; charset=utf-8';

type Handler = (call: ApiCall, req: Request, res: Response) => void;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Counts an access to `resource` when the customer is not present (PSD2 RTS art. 36(5)). */
function countUnattended(call: ApiCall, resource: string): void {
  if (call.presence === 'unattended') recordUnattendedAccess(call.state, call.grant.id, resource);
}

/** The calendar date in Paris of a bank-clock instant, as `YYYY-MM-DD`. */
function parisDate(ms: number): string {
  return getParisDate(new Date(ms));
}

/** Parses a STET `dateFrom`/`dateTo` (date-time, or a plain date as banks accept) into a Paris date. */
function parseDateParam(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new StetError(400, `${name} is repeated`);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value))) return value;
  const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
  const ms = Date.parse(value);
  if (!rfc3339.test(value) || Number.isNaN(ms))
    throw new StetError(400, `${name} must be an ISO 8601 date-time`);
  return parisDate(ms);
}

function daysBetween(from: string, to: string): number {
  return (Date.parse(to) - Date.parse(from)) / 86_400_000;
}

export function createAispRouter(context: SandboxContext): Router {
  const router = express.Router();
  const rawBody = express.raw({ type: () => true, limit: '16kb' });

  const sendHal = (res: Response, state: BankState, body: unknown) => {
    const text = JSON.stringify(body);
    res.status(200).type(HAL_JSON);
    res.send(state.scenario.malformedJson ? text.slice(0, Math.floor(text.length / 2)) : text);
  };

  const handle =
    (endpoint: string, scope: Scope, handler: Handler): RequestHandler =>
    async (req, res) => {
      const state = context.banks.get(String(req.params.bank));
      const requestId = req.get('x-request-id');
      if (requestId && requestId.length <= 70) res.set('X-Request-ID', requestId);
      try {
        if (!state) throw new StetError(404, 'unknown bank');
        state.count(`${req.method} ${endpoint}`);
        const { scenario } = state;
        if (scenario.connectionReset) return void req.socket.destroy();
        if (scenario.down) throw new StetError(503, 'service unavailable', { 'Retry-After': '30' });
        if (scenario.redirectTo) return void res.redirect(302, scenario.redirectTo);
        if (scenario.slowApiMs > 0) await delay(scenario.slowApiMs);
        if (scenario.rateLimitedRetryAfter !== null) {
          throw new StetError(429, 'too many requests', {
            'Retry-After': String(scenario.rateLimitedRetryAfter),
          });
        }
        if (!requestId) throw new StetError(400, 'X-Request-ID is required');
        if (requestId.length > 70)
          throw new StetError(400, 'X-Request-ID is longer than 70 characters');
        handler(await authorizeCall(context, state, req, scope), req, res);
      } catch (error) {
        if (error instanceof StetError) return sendStetError(res, req.path, error);
        throw error;
      }
    };

  /** The accounts a call may see for a kind of data, after any `PUT /consents` narrowing. */
  const visibleAccounts = (
    call: ApiCall,
    kind: 'balances' | 'transactions' | 'any',
  ): SandboxAccount[] => {
    const allowed = new Set(call.grant.accountIds);
    const access = call.grant.access;
    const narrowed =
      access === undefined
        ? allowed
        : new Set(kind === 'any' ? [...access.balances, ...access.transactions] : access[kind]);
    return call.user.accounts.filter(
      (a) => allowed.has(a.resourceId) && narrowed.has(a.resourceId),
    );
  };

  const findAccount = (call: ApiCall, req: Request, kind: 'balances' | 'transactions') => {
    const id = String(req.params.accountId);
    if (!RESOURCE_ID.test(id)) throw new StetError(400, 'accountResourceId is malformed');
    const account = visibleAccounts(call, kind).find((candidate) => candidate.resourceId === id);
    if (!account) throw new StetError(404, 'account not found or not covered by the consent');
    return account;
  };

  router.use('/:bank/v1', rawBody);

  router.get(
    '/:bank/v1/accounts',
    handle('/accounts', 'aisp', (call, _req, res) => {
      const bank = call.state.bank;
      countUnattended(call, 'accounts');
      const accounts = visibleAccounts(call, 'any');
      if (accounts.length === 0) return void res.status(204).end();
      sendHal(res, call.state, {
        accounts: accounts.map((account) => formatAccount(bank, account, call.link)),
        _links: { self: call.link('v1/accounts') },
        ...(bank.profile.stetVersion === '1.4.0.47'
          ? { connectedPsu: `${call.user.firstName} ${call.user.lastName}` }
          : {}),
      });
    }),
  );

  router.get(
    '/:bank/v1/accounts/:accountId/balances',
    handle('/accounts/{id}/balances', 'aisp', (call, req, res) => {
      const bank = call.state.bank;
      const account = findAccount(call, req, 'balances');
      countUnattended(call, accountPath(account, 'balances').slice('v1/'.length));
      sendHal(res, call.state, {
        balances: account.balances.map((balance) => formatBalance(bank, balance)),
        _links: {
          self: call.link(accountPath(account, 'balances')),
          'parent-list': call.link('v1/accounts'),
          transactions: call.link(accountPath(account, 'transactions')),
        },
      });
    }),
  );

  router.get(
    '/:bank/v1/accounts/:accountId/transactions',
    handle('/accounts/{id}/transactions', 'aisp', (call, req, res) => {
      const { state } = call;
      const bank = state.bank;
      const account = findAccount(call, req, 'transactions');
      let pageNumber = 1;
      let query = {
        dateFrom: undefined as string | undefined,
        dateTo: undefined as string | undefined,
        after: undefined as string | undefined,
      };
      let cursorId: string | undefined;
      const page = req.query.page;
      if (page !== undefined) {
        const [, id = '', number = ''] = (typeof page === 'string' && PAGE.exec(page)) || [];
        const cursor = state.cursors.get(id);
        if (
          !cursor ||
          cursor.grantId !== call.grant.id ||
          cursor.accountId !== account.resourceId
        ) {
          throw new StetError(400, 'page is unknown or expired');
        }
        cursorId = id;
        pageNumber = Number(number);
        query = JSON.parse(cursor.query) as typeof query;
      } else {
        // Only a listing's first page counts: the other pages belong to the same access.
        countUnattended(call, accountPath(account, 'transactions').slice('v1/'.length));
        const after = req.query.afterEntryReference;
        if (after !== undefined && (typeof after !== 'string' || after.length > 40)) {
          throw new StetError(400, 'afterEntryReference must be at most 40 characters');
        }
        query = {
          dateFrom: parseDateParam('dateFrom', req.query.dateFrom),
          dateTo: parseDateParam('dateTo', req.query.dateTo),
          after,
        };
        if (query.dateFrom && query.dateTo && query.dateFrom >= query.dateTo) {
          throw new StetError(400, 'dateFrom must be before dateTo');
        }
        const window = bank.profile.maxDateWindowDays;
        if (window !== null) {
          const to = query.dateTo ?? parisDate(state.now() + 86_400_000);
          if (query.dateFrom && daysBetween(query.dateFrom, to) > window) {
            throw new StetError(400, `the date window is limited to ${window} days`);
          }
          query.dateFrom ??= parisDate(Date.parse(to) - window * 86_400_000);
        }
      }
      // Without extended_transaction_history the bank shows the last 90 days only (RTS art. 10).
      const oldest = call.token.scopes.includes('extended_transaction_history')
        ? undefined
        : parisDate(state.now() - HISTORY_WITHOUT_EXTENSION_DAYS * 86_400_000);
      const matching = account.transactions.filter(
        (t) =>
          (!oldest || t.bookingDate >= oldest) &&
          (!query.dateFrom || t.bookingDate >= query.dateFrom) &&
          (!query.dateTo || t.bookingDate < query.dateTo) &&
          (!query.after || t.entryReference > query.after),
      );
      const size = bank.profile.pageSize ?? Math.max(matching.length, 1);
      const pageCount = Math.max(1, Math.ceil(matching.length / size));
      if (pageNumber > pageCount) throw new StetError(400, 'page is unknown or expired');
      const offset = (pageNumber - 1) * size;
      const slice = matching.slice(offset, offset + size);
      const path = accountPath(account, 'transactions');
      const links: Record<string, HalLink> = {
        // The request as sent, relative to the API root: `v1/accounts/…/transactions?…`.
        self: call.link(req.originalUrl.slice(`/${bank.id}/`.length)),
        'parent-list': call.link('v1/accounts'),
        balances: call.link(accountPath(account, 'balances')),
      };
      if (pageCount > 1) {
        if (cursorId === undefined) {
          cursorId = createSecret(12);
          if (state.cursors.size >= MAX_CURSORS) {
            const oldestCursor = state.cursors.keys().next().value;
            if (oldestCursor !== undefined) state.cursors.delete(oldestCursor);
          }
          state.cursors.set(cursorId, {
            accountId: account.resourceId,
            grantId: call.grant.id,
            query: JSON.stringify(query),
          });
        }
        const pageLink = (n: number) => call.link(`${path}?page=${cursorId}.${n}`);
        links.first = pageLink(1);
        if (pageNumber > 1) links.prev = pageLink(pageNumber - 1);
        if (pageNumber < pageCount) links.next = pageLink(pageNumber + 1);
        links.last = pageLink(pageCount);
      }
      sendHal(res, state, {
        transactions: slice.map((transaction) => formatTransaction(bank, transaction)),
        _links: links,
      });
    }),
  );

  router.get(
    '/:bank/v1/end-user-identity',
    handle('/end-user-identity', 'aisp', (call, _req, res) => {
      if (call.grant.access && !call.grant.access.psuIdentity) {
        throw new StetError(403, 'identity not covered by the consent');
      }
      countUnattended(call, 'end-user-identity');
      sendHal(res, call.state, formatIdentity(call.user, call.link));
    }),
  );

  router.get(
    '/:bank/v1/trusted-beneficiaries',
    handle('/trusted-beneficiaries', 'aisp', (call, _req, res) => {
      if (call.grant.access && !call.grant.access.trusted) {
        throw new StetError(403, 'trusted beneficiaries not covered by the consent');
      }
      countUnattended(call, 'trusted-beneficiaries');
      sendHal(res, call.state, {
        beneficiaries: call.user.beneficiaries.map(formatBeneficiary),
        _links: { self: call.link('v1/trusted-beneficiaries') },
      });
    }),
  );

  const readJson = (call: ApiCall, req: Request): unknown => {
    if (!req.is('application/json'))
      throw new StetError(400, 'content type must be application/json');
    try {
      return JSON.parse(call.body.toString('utf8')) as unknown;
    } catch {
      throw new StetError(400, 'body is not valid JSON');
    }
  };

  router.put(
    '/:bank/v1/consents',
    handle('/consents', 'aisp', (call, req, res) => {
      if (!call.state.bank.profile.consentsEndpoint) {
        throw new StetError(405, 'PUT /consents is not implemented: consent is given at the bank');
      }
      const body = readJson(call, req) as Record<string, unknown> | null;
      const ibans = (name: string): string[] => {
        const list = body?.[name];
        if (!Array.isArray(list))
          throw new StetError(400, `${name} must be an array of account identifications`);
        return list.map((item: unknown) => {
          const iban = (item as { iban?: unknown } | null)?.iban;
          if (typeof iban !== 'string') throw new StetError(400, `${name} items need an iban`);
          return iban;
        });
      };
      const toIds = (list: string[]) =>
        list.map((iban) => {
          const account = call.user.accounts.find(
            (a) => a.iban === iban && call.grant.accountIds.includes(a.resourceId),
          );
          if (!account)
            throw new StetError(403, 'an account is not covered by the consent given at the bank');
          return account.resourceId;
        });
      if (
        typeof body?.psuIdentity !== 'boolean' ||
        typeof body.trustedBeneficiaries !== 'boolean'
      ) {
        throw new StetError(400, 'psuIdentity and trustedBeneficiaries must be booleans');
      }
      call.grant.access = {
        balances: toIds(ibans('balances')),
        transactions: toIds(ibans('transactions')),
        psuIdentity: body.psuIdentity,
        trusted: body.trustedBeneficiaries,
      };
      res.status(201).end();
    }),
  );

  router.post(
    '/:bank/v1/funds-confirmations',
    handle('/funds-confirmations', 'cbpii', (call, req, res) => {
      const bank = call.state.bank;
      const body = readJson(call, req) as Record<string, unknown> | null;
      const id = body?.paymentCoverageRequestId;
      if (typeof id !== 'string' || id.length === 0 || id.length > 35) {
        throw new StetError(400, 'paymentCoverageRequestId is required (at most 35 characters)');
      }
      const instructed = body?.instructedAmount as
        { amount?: unknown; currency?: unknown } | undefined;
      const cents = parseAmount(bank, instructed?.amount);
      if (cents === undefined || cents <= 0) {
        throw new StetError(
          400,
          `instructedAmount.amount must be a positive ${bank.profile.stetVersion === '1.4.0.47' ? 'string' : 'number'}`,
        );
      }
      if (instructed?.currency !== 'EUR')
        throw new StetError(400, 'instructedAmount.currency must be EUR');
      const iban = (body?.accountId as { iban?: unknown } | undefined)?.iban;
      const account = call.user.accounts.find(
        (a) =>
          a.iban !== undefined && a.iban === iban && call.grant.accountIds.includes(a.resourceId),
      );
      if (!account) throw new StetError(404, 'account not found or not covered by the consent');
      const available =
        account.balances.find((b) => b.balanceType === 'XPCD') ??
        account.balances.find((b) => b.balanceType === 'CLBD');
      sendHal(res, call.state, {
        request: body,
        result: (available?.amountCents ?? 0) >= cents,
        _links: { self: call.link('v1/funds-confirmations') },
      });
    }),
  );

  // Known paths with another method get 405; anything else under /v1 gets 404.
  const known = [
    '/:bank/v1/accounts',
    '/:bank/v1/accounts/:accountId/balances',
    '/:bank/v1/accounts/:accountId/transactions',
    '/:bank/v1/end-user-identity',
    '/:bank/v1/trusted-beneficiaries',
    '/:bank/v1/consents',
    '/:bank/v1/funds-confirmations',
  ];
  router.all(known, (req, res) =>
    sendStetError(res, req.path, new StetError(405, `${req.method} is not allowed here`)),
  );
  router.all('/:bank/v1/{*rest}', (req, res) =>
    sendStetError(res, req.path, new StetError(404, 'no such resource')),
  );

  return router;
}
