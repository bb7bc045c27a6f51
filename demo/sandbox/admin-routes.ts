/**
 * The sandbox's test-only admin API, mounted under `/__admin` on the mTLS listener only when
 * enabled: scenario switches, the bank clock, call counters, the counters of accesses without the
 * customer, consent revocation and expiry, and the list of issued tokens (so end-to-end tests can
 * prove none of them reached the browser).
 */
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { SandboxContext } from './context.js';
import { HEALTHY, type BankState } from './state.js';
import {
  describeUnattendedAccesses,
  UNATTENDED_ACCESSES_PER_DAY,
} from './stet/unattended-access.js';

const scenarioSchema = z
  .object({
    down: z.boolean(),
    slowTokenMs: z.number().int().min(0).max(120_000),
    slowApiMs: z.number().int().min(0).max(120_000),
    rateLimitedRetryAfter: z.number().int().min(0).max(3_600).nullable(),
    malformedJson: z.boolean(),
    connectionReset: z.boolean(),
    redirectTo: z.url().nullable(),
  })
  .partial()
  .strict();

const clockSchema = z
  .object({
    advanceSeconds: z
      .number()
      .int()
      .min(0)
      .max(10 * 365 * 86_400),
  })
  .strict();
const selectionSchema = z
  .object({ login: z.string().min(1).max(100) })
  .partial()
  .strict();

function fail(res: Response, status: number, message: string): void {
  res.status(status).json({ error: message });
}

export function createAdminRouter(context: SandboxContext): Router {
  const router = express.Router();
  router.use(express.json({ limit: '4kb' }));

  const withBank =
    (handler: (state: BankState, req: Request, res: Response) => void) =>
    (req: Request, res: Response) => {
      const state = context.banks.get(String(req.params.bank));
      if (!state) return fail(res, 404, `unknown bank ${String(req.params.bank)}`);
      handler(state, req, res);
    };

  const describe = (state: BankState) => ({
    bank: state.bank.id,
    clockOffsetSeconds: state.clockOffsetMs / 1000,
    now: new Date(state.now()).toISOString(),
    scenario: state.scenario,
    calls: Object.fromEntries(state.calls),
  });

  router.get(
    '/banks/:bank',
    withBank((state, _req, res) => void res.json(describe(state))),
  );

  /** Replaces the scenario; fields left out go back to healthy. */
  router.put(
    '/banks/:bank/scenario',
    withBank((state, req, res) => {
      const parsed = scenarioSchema.safeParse(req.body);
      if (!parsed.success) return fail(res, 400, z.prettifyError(parsed.error));
      state.scenario = { ...HEALTHY, ...parsed.data };
      res.json(describe(state));
    }),
  );

  router.post(
    '/banks/:bank/clock',
    withBank((state, req, res) => {
      const parsed = clockSchema.safeParse(req.body);
      if (!parsed.success) return fail(res, 400, z.prettifyError(parsed.error));
      state.clockOffsetMs += parsed.data.advanceSeconds * 1000;
      res.json(describe(state));
    }),
  );

  router.get(
    '/banks/:bank/calls',
    withBank((state, _req, res) => void res.json(Object.fromEntries(state.calls))),
  );
  router.delete(
    '/banks/:bank/calls',
    withBank((state, _req, res) => {
      state.calls.clear();
      res.status(204).end();
    }),
  );

  /** Unattended accesses in the last 24 hours of the bank's clock, per consent and resource. */
  router.get(
    '/banks/:bank/unattended-accesses',
    withBank((state, _req, res) => {
      res.json({
        limit: UNATTENDED_ACCESSES_PER_DAY,
        windowHours: 24,
        counters: describeUnattendedAccesses(state),
      });
    }),
  );
  router.delete(
    '/banks/:bank/unattended-accesses',
    withBank((state, _req, res) => {
      state.unattendedAccesses.clear();
      res.status(204).end();
    }),
  );

  const selectGrants = (state: BankState, req: Request, res: Response) => {
    const parsed = selectionSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      fail(res, 400, z.prettifyError(parsed.error));
      return undefined;
    }
    return [...state.grants.values()].filter(
      (grant) => parsed.data.login === undefined || grant.login === parsed.data.login,
    );
  };

  /** The customer withdraws consent at the bank: tokens stop working, refresh fails. */
  router.post(
    '/banks/:bank/consents/revoke',
    withBank((state, req, res) => {
      const grants = selectGrants(state, req, res);
      if (!grants) return;
      for (const grant of grants) state.revokeGrant(grant.id);
      res.json({ revoked: grants.length });
    }),
  );

  /** The consent reaches its 90/180 days: the refresh token (and any access token) expires. */
  router.post(
    '/banks/:bank/consents/expire',
    withBank((state, req, res) => {
      const grants = selectGrants(state, req, res);
      if (!grants) return;
      const now = state.now();
      for (const grant of grants) grant.expiresAt = Math.min(grant.expiresAt, now);
      res.json({ expired: grants.length });
    }),
  );

  router.get('/tokens', (_req, res) => {
    const tokens = [...context.banks.values()].flatMap((state) =>
      [...state.tokens].map(([value, token]) => ({
        bank: state.bank.id,
        kind: token.kind,
        grantId: token.grantId,
        value,
        revoked: token.revoked,
        expiresAt: new Date(token.expiresAt).toISOString(),
      })),
    );
    res.json({ tokens });
  });

  router.post('/reset', (_req, res) => {
    for (const state of context.banks.values()) {
      state.scenario = { ...HEALTHY };
      state.clockOffsetMs = 0;
      state.calls.clear();
      // Counted by a clock now set back: they would otherwise sit in its future.
      state.unattendedAccesses.clear();
    }
    res.status(204).end();
  });

  return router;
}
