/**
 * `createApp(config, deps)`: the standalone BFF as an Express app, separate from `listen()` so
 * tests drive it in-process. A TPP with its own Express app mounts `createBankConnectRouter`
 * instead.
 */
import express, { type Express } from 'express';
import type { BffConfig } from './config.js';
import { createBankConnectRouter, type BankConnectDeps, type BankConnectRouter } from './router.js';

export type BffApp = Express & { bankConnect: BankConnectRouter };

export function createApp(config: BffConfig, deps: BankConnectDeps = {}): BffApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('etag', false);
  const bankConnect = createBankConnectRouter(config, deps);
  app.use(bankConnect);
  return Object.assign(app, { bankConnect });
}
