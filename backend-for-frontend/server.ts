#!/usr/bin/env node
/**
 * `npm run bff` (and the `bank-connect-bff` bin): loads the configuration, refuses to start on a
 * bad one (naming the variable), listens, and shuts down cleanly on SIGINT/SIGTERM. The only file
 * that binds a port.
 */
import { realpathSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createApp, type BffApp } from './app.js';
import { ConfigError, loadConfig, type BffConfig } from './config.js';
import { createLogger } from './logger.js';
import type { BankConnectDeps } from './router.js';

export interface RunningBff {
  app: BffApp;
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Starts the BFF on `config.host:config.port`. */
export async function listen(config: BffConfig, deps: BankConnectDeps = {}): Promise<RunningBff> {
  const app = createApp(config, deps);
  const server = await new Promise<Server>((resolve, reject) => {
    const started = app.listen(config.port, config.host, (error?: Error) =>
      error ? reject(error) : resolve(started),
    );
    started.once('error', reject);
  }).catch(async (error: NodeJS.ErrnoException) => {
    await app.bankConnect.close();
    if (error.code === 'EADDRINUSE') {
      throw new ConfigError(`BFF_PORT: port ${config.port} on ${config.host} is already in use`);
    }
    throw error;
  });
  server.keepAliveTimeout = 65_000;
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    app,
    server,
    url: `http://${host}:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await app.bankConnect.close();
    },
  };
}

async function main(): Promise<void> {
  const bootLogger = createLogger({ level: process.env.BFF_LOG_LEVEL ?? 'info' });
  let config: BffConfig;
  try {
    config = loadConfig({}, (message) => bootLogger.warn(message));
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`bank-connect BFF: configuration error: ${error.message}`);
      process.exit(78);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel });
  const running = await listen(config, { logger }).catch((error: unknown) => {
    console.error(`bank-connect BFF: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
  logger.info(
    { url: running.url, banks: running.app.bankConnect.context.registry.size },
    'BFF listening',
  );
  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping');
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

// Run when executed directly, including through the npm bin symlink.
if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  void main();
}
