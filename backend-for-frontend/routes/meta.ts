/**
 * Operational endpoints: liveness (`/healthz`), readiness (`/readyz`, which checks the session
 * store), the OpenAPI description of the API, and the QSealC at the URL banks use as keyId.
 */
import express, { type Router } from 'express';
import type { BffContext } from '../context.js';
import { BffError } from '../errors.js';
import { handle } from '../http.js';
import { OPENAPI } from '../openapi.js';

export function createMetaRouter(context: BffContext): Router {
  const router = express.Router();
  router.get(
    '/healthz',
    (_req, res) => void res.set('Cache-Control', 'no-store').json({ status: 'ok' }),
  );
  router.get(
    '/readyz',
    handle(async (_req, res) => {
      try {
        await context.store.ping();
      } catch (error) {
        throw new BffError('session_store_unavailable', 'the session store is unavailable', {
          cause: error,
        });
      }
      res.set('Cache-Control', 'no-store').json({ status: 'ready' });
    }),
  );
  router.get('/v1/openapi.json', (_req, res) => {
    res
      .set({ 'Cache-Control': 'public, max-age=3600', 'Access-Control-Allow-Origin': '*' })
      .json(OPENAPI);
  });
  // The QSealC is public: banks that use its URL as keyId may fetch it from here.
  router.get('/v1/qsealc.pem', (_req, res) => {
    res
      .set('Cache-Control', 'public, max-age=3600')
      .type('application/x-pem-file')
      .send(context.config.qsealc.cert);
  });
  return router;
}
