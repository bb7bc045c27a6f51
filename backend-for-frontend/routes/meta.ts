/**
 * Operational endpoints: liveness (`/healthz`), readiness (`/readyz`, which checks the session
 * store), the OpenAPI description of the API, and the QSealC at the URL banks use as keyId.
 */
import express, { type Router } from 'express';
import { countDaysLeft } from '../config.js';
import type { Readiness } from '../contract/index.js';
import { buildOpenApiDocument } from '../contract/openapi.js';
import { API_VERSION, OPERATIONS } from '../contract/operations.js';
import type { BffContext } from '../context.js';
import { BffError, hasCode } from '../errors.js';
import { createServe } from './operation.js';

export function createMetaRouter(context: BffContext): Router {
  const router = express.Router();
  const serve = createServe(router, context);
  const openApi = JSON.stringify(buildOpenApiDocument(API_VERSION));
  serve(OPERATIONS.getHealth, (_input, _req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  serve(OPERATIONS.getReadiness, async (_input, _req, res) => {
    try {
      await context.store.ping();
    } catch (error) {
      if (hasCode(error, 'session_store_unavailable')) throw error;
      throw new BffError('session_store_unavailable', undefined, { cause: error });
    }
    const now = context.now();
    const describe = ({ notAfter }: { notAfter: Date }) => ({
      notAfter: notAfter.toISOString(),
      daysLeft: countDaysLeft(notAfter, now),
    });
    const body: Readiness = {
      status: 'ready',
      certificates: {
        qwac: describe(context.config.qwac),
        qsealc: describe(context.config.qsealc),
      },
    };
    res.set('Cache-Control', 'no-store').json(body);
  });
  serve(OPERATIONS.getOpenApi, (_input, _req, res) => {
    res
      .set({ 'Cache-Control': 'public, max-age=3600', 'Access-Control-Allow-Origin': '*' })
      .type('application/json')
      .send(openApi);
  });
  // The QSealC is public: banks that use its URL as keyId may fetch it from here.
  serve(OPERATIONS.getQsealc, (_input, _req, res) => {
    res
      .set('Cache-Control', 'public, max-age=3600')
      .type('application/x-pem-file')
      .send(context.config.qsealc.cert);
  });
  return router;
}
