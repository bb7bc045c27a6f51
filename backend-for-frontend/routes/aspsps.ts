/** `GET /v1/aspsps`: the bank directory for the picker; names and logos, no endpoint or secret. */
import { createHash } from 'node:crypto';
import express, { type Router } from 'express';
import type { AspspDirectory, AspspSummary } from '../contract/index.js';
import { OPERATIONS } from '../contract/operations.js';
import type { BffContext } from '../context.js';
import { createServe } from './operation.js';

export function createAspspsRouter(context: BffContext): Router {
  const router = express.Router();
  const serve = createServe(router, context);
  const directory: AspspDirectory = {
    aspsps: [...context.registry.values()]
      .map((aspsp): AspspSummary => ({
        id: aspsp.id,
        name: aspsp.name,
        bic: aspsp.bic,
        country: aspsp.country,
        logoUrl: aspsp.logoUrl,
        ...(aspsp.colour ? { colour: aspsp.colour } : {}),
        scopes: aspsp.scopes,
        ...(aspsp.consentDays ? { consentDays: aspsp.consentDays } : {}),
      }))
      .sort((a, b) => a.name.localeCompare(b.name, 'fr')),
  };
  const body = JSON.stringify(directory);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;

  serve(OPERATIONS.listAspsps, (_input, req, res) => {
    res.set({ ETag: etag, 'Cache-Control': 'public, max-age=300', Vary: 'Origin' });
    const match = req.get('if-none-match');
    if (match && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
      return void res.status(304).end();
    }
    res.type('application/json').send(body);
  });
  return router;
}
