/**
 * The partner-server API (`/partner/v1`): what the partner's server may do without the customer.
 * It lists sessions by their stable id, reads accounts, balances and transactions within the RTS
 * budget (partner/unattended-reads.ts), and ends sessions. Its calls carry no PSU context: the
 * customer is not there. Keys are checked before any of this (partner/auth.ts).
 */
import express, { type Router } from 'express';
import type { PartnerSession, PartnerSessionList } from '../contract/index.js';
import { OPERATIONS } from '../contract/operations.js';
import type { BffContext } from '../context.js';
import { BffError } from '../errors.js';
import { fromPublicSessionId } from '../sessions/handles.js';
import type { SessionRecord } from '../sessions/store.js';
import { findBank } from '../stet/bank-client.js';
import {
  accountsRead,
  balancesRead,
  createAccountReads,
  transactionsRead,
} from './account-reads.js';
import { createServe } from './operation.js';

const DEFAULT_PAGE = 50;
/** The last instant a JavaScript date can hold: every consent ends before. */
const LAST_INSTANT = 8_640_000_000_000_000;

export function createPartnerRouter(context: BffContext): Router {
  const router = express.Router();
  const serve = createServe(router, context);
  const { sessions, store, unattended } = context;
  const reads = createAccountReads(context);

  const describe = (record: SessionRecord): PartnerSession => ({
    ...sessions.describe(record),
    createdAt: new Date(record.createdAt).toISOString(),
  });

  /** The session a public id names; `not_found` for an id that names none. */
  const findSession = async (sessionId: string): Promise<SessionRecord> => {
    const id = fromPublicSessionId(sessionId);
    const record = id === undefined ? undefined : await store.getSession(id);
    if (!record) throw new BffError('not_found', 'no session with this id');
    return record;
  };

  // By consent end, then id: the order the store keeps an index in (the webhooks' scheduler
  // reads it too). The cursor is the last session read: `<consent end>.<store id>`.
  serve(OPERATIONS.listPartnerSessions, async ({ query }, _req, res) => {
    const limit = query.limit === undefined ? DEFAULT_PAGE : Number(query.limit);
    const [end = '0', id = ''] = query.cursor?.split('.') ?? [];
    const records = await store.listSessionsEndingBetween(
      { consentExpiresAt: Number(end), id },
      LAST_INSTANT,
      limit,
    );
    const page = records.map(describe);
    const last = records.at(-1);
    const result: PartnerSessionList = {
      sessions: query.status ? page.filter((session) => session.status === query.status) : page,
      // A full page may have a successor; the cursor names the last session read, kept or not.
      nextCursor: records.length === limit && last ? `${last.consentExpiresAt}.${last.id}` : null,
    };
    res.set('Cache-Control', 'no-store').json(result);
  });

  serve(OPERATIONS.getPartnerSession, async ({ params }, _req, res) => {
    res.set('Cache-Control', 'no-store').json(describe(await findSession(params.sessionId)));
  });

  serve(OPERATIONS.deletePartnerSession, async ({ params }, _req, res) => {
    await sessions.endSession(await findSession(params.sessionId), 'partner');
    res.status(204).end();
  });

  /** Whether the session's bank serves reads without the customer at all. */
  const servesUnattended = (record: SessionRecord) =>
    findBank(context.banks, record.aspsp).profile.servesUnattendedReads;

  serve(OPERATIONS.listPartnerAccounts, async ({ params }, _req, res) => {
    const record = await findSession(params.sessionId);
    const result = await unattended.read(
      record,
      accountsRead,
      () => reads.listAccounts(record, undefined),
      servesUnattended(record),
    );
    res.set('Cache-Control', 'no-store').json(result);
  });

  serve(OPERATIONS.listPartnerBalances, async ({ params }, _req, res) => {
    const record = await findSession(params.sessionId);
    const result = await unattended.read(
      record,
      balancesRead(params.accountId),
      () => reads.listBalances(record, undefined, params.accountId),
      servesUnattended(record),
    );
    res.set('Cache-Control', 'no-store').json(result);
  });

  serve(OPERATIONS.listPartnerTransactions, async ({ params, query }, _req, res) => {
    const record = await findSession(params.sessionId);
    const result = await unattended.read(
      record,
      transactionsRead(params.accountId, query),
      () => reads.listTransactions(record, undefined, params.accountId, query),
      servesUnattended(record),
    );
    res.set('Cache-Control', 'no-store').json(result);
  });

  return router;
}
