/** `GET /v1/session` and `DELETE /v1/session`: what the page may know of its session, and logout. */
import express, { type Router } from 'express';
import { OPERATIONS } from '../contract/operations.js';
import type { BffContext } from '../context.js';
import { clearSessionCookie } from '../http.js';
import { createServe } from './operation.js';

export function createSessionRouter(context: BffContext): Router {
  const router = express.Router();
  const serve = createServe(router, context);

  serve(OPERATIONS.getSession, ({ session }, _req, res) => {
    res.set('Cache-Control', 'no-store').json(context.sessions.describe(session));
  });

  serve(OPERATIONS.deleteSession, async ({ session }, _req, res) => {
    await context.sessions.endSession(session);
    if (context.config.cookieMode) clearSessionCookie(res);
    res.status(204).end();
  });
  return router;
}
