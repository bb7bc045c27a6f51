/**
 * `@bank-connect/bff`: the backend-for-frontend as a library. Mount `createBankConnectRouter` in
 * an existing Express app, or run `createApp` / `listen` (the `bank-connect-bff` command does);
 * `loadConfig` reads and checks the settings once, at start-up. The contract's schemas and types
 * are also at `@bank-connect/bff/contract`.
 */
export { createApp, type BffApp } from './app.js';
export {
  ConfigError,
  loadConfig,
  SETTINGS,
  type BffConfig,
  type LoadConfigOptions,
  type SettingName,
} from './config.js';
export type * from './contract/index.js';
export { createLogger } from './logger.js';
export {
  loadRegistry,
  parseRegistry,
  type Aspsp,
  // The published name of a registry entry's profile; inside the BFF, BankProfile is the class
  // of stet/bank-profile.ts that reads it.
  type BankProfileSettings as BankProfile,
  type Registry,
} from './registry.js';
export {
  createBankConnectRouter,
  openSessionStore,
  type BankConnectDeps,
  type BankConnectRouter,
} from './router.js';
export { listen, type RunningBff } from './server.js';
export { deriveEventId, WebhookPublisher, type PublishOptions } from './webhooks/publisher.js';
