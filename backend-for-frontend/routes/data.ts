/**
 * The customer's data, fetched from the bank with the session's tokens and normalised into one
 * bank-agnostic shape (contract/schemas.ts): accounts, balances, transactions (opaque cursor paging,
 * date filters), identity, trusted beneficiaries, and CBPII funds confirmations.
 *
 * The BFF forwards only these routes, with fixed bank paths (RFC 10017 §6.1.4: allowlist
 * proxied destinations); cursors are sealed (account-reads.ts). These routes are the customer's
 * page's only (an allowed Origin, a DPoP proof: http.ts, dpop/): each read is made with the
 * customer's context and keeps its answer for the partner-server API, whose reads without the
 * customer count against the RTS budget of four a day (partner/unattended-reads.ts).
 */
import express, { type Request, type Response, type Router } from 'express';
import type { FundsConfirmation, Identity, TrustedBeneficiaryList } from '../contract/index.js';
import { OPERATIONS } from '../contract/operations.js';
import type { BffContext } from '../context.js';
import { BffError, invalidRequest } from '../errors.js';
import { readPsuContext } from '../http.js';
import type { SessionRecord } from '../sessions/store.js';
import { findBank } from '../stet/bank-client.js';
import type { PsuContext } from '../stet/bank-profile.js';
import {
  normaliseAccounts,
  normaliseBeneficiaries,
  normaliseFundsConfirmation,
  normaliseIdentity,
} from '../stet/normalise.js';
import {
  accountsRead,
  balancesRead,
  createAccountReads,
  normalise,
  requireConsent,
  transactionsRead,
  withPageInput,
  type ReadKey,
} from './account-reads.js';
import { createServe } from './operation.js';

export function createDataRouter(context: BffContext): Router {
  const router = express.Router();
  const serve = createServe(router, context);
  const { sessions, unattended } = context;
  const { cookieMode } = context.config;
  const reads = createAccountReads(context);
  const { sealCursor, openCursor } = reads;

  /** Serves a read, and keeps its answer for the partner's server when the customer made it. */
  const serveRead = async <T>(
    req: Request,
    res: Response,
    record: SessionRecord,
    key: ReadKey,
    read: (psu: PsuContext | undefined) => Promise<T>,
  ) => {
    const psu = readPsuContext(req, cookieMode);
    const result = await read(psu);
    res.set('Cache-Control', 'no-store').json(result);
    // After the answer is on its way: sealing and storing it is nothing the page waits for.
    if (psu) unattended.remember(record, key, result);
  };

  serve(OPERATIONS.listAccounts, ({ session }, req, res) =>
    serveRead(req, res, session, accountsRead, (psu) => reads.listAccounts(session, psu)),
  );

  serve(OPERATIONS.listBalances, ({ session, params }, req, res) =>
    serveRead(req, res, session, balancesRead(params.accountId), (psu) =>
      reads.listBalances(session, psu, params.accountId),
    ),
  );

  serve(OPERATIONS.listTransactions, ({ session, params, query }, req, res) =>
    serveRead(req, res, session, transactionsRead(params.accountId, query), (psu) =>
      reads.listTransactions(session, psu, params.accountId, query),
    ),
  );

  serve(OPERATIONS.getIdentity, async ({ session }, req, res) => {
    const record = requireConsent(session, 'aisp');
    const psu = readPsuContext(req, cookieMode);
    const { body } = await reads.get(record, psu, { path: '/end-user-identity' });
    const result: Identity = normalise(record.aspsp, () => normaliseIdentity(body));
    res.set('Cache-Control', 'no-store').json(result);
  });

  serve(OPERATIONS.listTrustedBeneficiaries, async ({ session, query }, req, res) => {
    const record = requireConsent(session, 'aisp');
    const target = query.cursor
      ? { link: openCursor(record, 'beneficiaries', query.cursor) }
      : { path: '/trusted-beneficiaries' };
    const psu = readPsuContext(req, cookieMode);
    const { body } = await reads.get(record, psu, target);
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
    const { body: accountsBody } = await reads.get(record, readPsuContext(req, cookieMode), {
      path: '/accounts',
    });
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
