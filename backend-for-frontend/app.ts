/**
 * `createApp(config, deps)`: the standalone BFF as an Express app, separate from `listen()` so
 * tests drive it in-process. A TPP with its own Express app mounts `createBankConnectRouter`
 * instead.
 */
import express, { type Express } from 'express';
import { collectDefaultMetrics, type Registry } from 'prom-client';
import type { BffConfig } from './config.js';
import { serveMetrics } from './metrics.js';
import { createBankConnectRouter, type BankConnectDeps, type BankConnectRouter } from './router.js';

export type BffApp = Express & { bankConnect: BankConnectRouter };

export function createApp(config: BffConfig, deps: BankConnectDeps = {}): BffApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('etag', false);
  const bankConnect = createBankConnectRouter(config, deps);
  // The process is the BFF's own here, so its metrics report the process too, under the standard
  // names that ready-made Node.js dashboards read. A router mounted in a partner's app leaves
  // them to the partner, whose own registry most likely has them already.
  if (bankConnect.metrics) collectDefaultMetrics({ register: bankConnect.metrics });
  app.use(bankConnect);
  return Object.assign(app, { bankConnect });
}

/** The app of `BFF_METRICS_PORT`: `/metrics` and nothing else, kept off the API's port. */
export function createMetricsApp(registry: Registry): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/metrics', serveMetrics(registry));
  return app;
}
