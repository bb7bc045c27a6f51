/** `GET /v1/session` and `DELETE /v1/session`: what the page may know of its session, and logout. */
import express, { type Request, type Router } from 'express';
import type { BffContext } from '../context.js';
import { BffError } from '../errors.js';
import { clearSessionCookie, handle, readHandle } from '../http.js';
import type { SessionRecord } from '../sessions/store.js';

/** The session behind the request's handle, or `session_required`. */
export async function requireSession(context: BffContext, req: Request): Promise<SessionRecord> {
  const value = readHandle(req, context.config.cookieMode);
  if (!value) throw new BffError('session_required', 'a session handle is required');
  return context.sessions.findSession(value);
}

export function createSessionRouter(context: BffContext): Router {
  const router = express.Router();

  router.get(
    '/v1/session',
    handle(async (req, res) => {
      const record = await requireSession(context, req);
      res.set('Cache-Control', 'no-store').json(context.sessions.describe(record));
    }),
  );

  router.delete(
    '/v1/session',
    handle(async (req, res) => {
      const record = await requireSession(context, req);
      await context.sessions.endSession(record);
      if (context.config.cookieMode) clearSessionCookie(res);
      res.status(204).end();
    }),
  );
  return router;
}
