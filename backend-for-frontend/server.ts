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
import type { Express } from 'express';
import { createApp, createMetricsApp, type BffApp } from './app.js';
import { ConfigError, loadConfig, type BffConfig } from './config.js';
import { createLogger } from './logger.js';
import type { BankConnectDeps } from './router.js';

export interface RunningBff {
  app: BffApp;
  server: Server;
  url: string;
  /** Where `/metrics` is served when `BFF_METRICS_PORT` is set. */
  metricsUrl: string | undefined;
  close(): Promise<void>;
}

/** Binds `app` to `port`; a port in use is a configuration error naming `variable`. */
async function bind(app: Express, port: number, host: string, variable: string): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const started = app.listen(port, host, (error?: Error) =>
      error ? reject(error) : resolve(started),
    );
    started.once('error', reject);
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') {
      throw new ConfigError(`${variable}: port ${port} on ${host} is already in use`);
    }
    throw error;
  });
}

function stop(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/**
 * Starts the BFF on `config.host:config.port`, and its metrics on `config.metricsPort` when that
 * is set.
 */
export async function listen(config: BffConfig, deps: BankConnectDeps = {}): Promise<RunningBff> {
  const app = createApp(config, deps);
  const registry = app.bankConnect.metrics;
  let server: Server | undefined;
  let metricsServer: Server | undefined;
  try {
    server = await bind(app, config.port, config.host, 'BFF_PORT');
    if (registry && config.metricsPort !== undefined) {
      metricsServer = await bind(
        createMetricsApp(registry),
        config.metricsPort,
        config.host,
        'BFF_METRICS_PORT',
      );
    }
  } catch (error) {
    if (server) await stop(server);
    await app.bankConnect.close();
    throw error;
  }
  server.keepAliveTimeout = 65_000;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const urlOf = (bound: Server) => `http://${host}:${(bound.address() as AddressInfo).port}`;
  return {
    app,
    server,
    url: urlOf(server),
    metricsUrl: metricsServer ? urlOf(metricsServer) : undefined,
    close: async () => {
      await Promise.all([stop(server), ...(metricsServer ? [stop(metricsServer)] : [])]);
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
    {
      url: running.url,
      metricsUrl: running.metricsUrl,
      banks: running.app.bankConnect.context.registry.size,
    },
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
