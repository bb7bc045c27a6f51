/**
 * Starts the sandbox banks: one process, two listeners.
 *
 * - Browser-facing, plain HTTP on localhost (a secure context, so nobody has to trust a test CA
 *   to click through): `GET /banks`, logos, and each bank's `/authorize` consent pages.
 * - mTLS on HTTPS: each bank's `/token`, `/revoke` and `/v1/...` APIs, and the admin API when
 *   enabled. A client certificate chaining to the test CA is required by the TLS handshake.
 */
import { X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { createAdminRouter } from './admin-routes.js';
import { SANDBOX_BANKS, type BankDefinition } from './banks.js';
import { issuerOf, type RegisteredClient, type SandboxContext } from './context.js';
import { generateBankData } from './data/generate.js';
import { createAuthorizeRouter } from './oauth/authorize-routes.js';
import { createTokenRouter, sendTokenEndpointError } from './oauth/token-routes.js';
import { CONSENT_CSS, renderThemeCss } from './pages/views.js';
import { BankState } from './state.js';
import { createAispRouter } from './stet/aisp-routes.js';
import { sendStetError, StetError } from './stet/errors.js';
import { QsealcDirectory, type FetchQsealc } from './stet/qsealc-directory.js';

export interface SandboxClientOptions {
  clientId: string;
  name: string;
  redirectUris: string[];
  qsealcPem: string | Buffer;
  qsealcUrl: string;
}

export interface SandboxOptions {
  /** Host name in the URLs the sandbox publishes and the address it binds. Default `localhost`. */
  host?: string;
  /** Browser-facing HTTP port; 0 picks a free one. Default 9080. */
  httpPort?: number;
  /** mTLS port; 0 picks a free one. Default 9443. */
  mtlsPort?: number;
  tls: { cert: string | Buffer; key: string | Buffer; ca: string | Buffer };
  clients: SandboxClientOptions[];
  /** Mounts the test-only admin API under `/__admin` on the mTLS listener. */
  admin?: boolean;
  banks?: readonly BankDefinition[];
  /** The day the generated data ends on. Default: today. */
  today?: Date;
  /**
   * How a bank fetches a TPP's QSealC from the URL in a signature's keyId. Default: an HTTP GET
   * with a short timeout. Tests replace it to reach the TPP's web server under its test name.
   */
  fetchQsealc?: FetchQsealc;
  /** Least time between two fetches of one QSealC URL, in milliseconds. Default 30 s. */
  qsealcRefetchIntervalMs?: number;
}

export interface RunningSandbox {
  browserOrigin: string;
  mtlsOrigin: string;
  context: SandboxContext;
  close(): Promise<void>;
}

/** One entry of `GET /banks`: what a TPP needs to register the bank in its registry. */
export function describeBank(context: SandboxContext, bank: BankDefinition) {
  return {
    id: bank.id,
    name: bank.name,
    bic: bank.bic,
    country: 'FR',
    logo: `${context.browserOrigin}/${bank.id}/logo.svg`,
    colours: bank.colours,
    issuer: issuerOf(context, bank.id),
    authorizationEndpoint: `${context.browserOrigin}/${bank.id}/authorize`,
    tokenEndpoint: `${context.mtlsOrigin}/${bank.id}/token`,
    ...(bank.profile.revocationEndpoint
      ? { revocationEndpoint: `${context.mtlsOrigin}/${bank.id}/revoke` }
      : {}),
    apiBaseUrl: `${context.mtlsOrigin}/${bank.id}/v1`,
    scopes: ['aisp', 'cbpii', 'extended_transaction_history'],
    profile: bank.profile,
  };
}

function createBrowserApp(context: SandboxContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/banks', (_req, res) => {
    res.set('Access-Control-Allow-Origin', '*');
    res.json({
      banks: [...context.banks.values()].map((state) => describeBank(context, state.bank)),
    });
  });
  app.get('/assets/consent.css', (_req, res) => {
    res.type('text/css').set('Cache-Control', 'public, max-age=3600').send(CONSENT_CSS);
  });
  app.get('/:bank/theme.css', (req, res, next) => {
    const state = context.banks.get(req.params.bank);
    if (!state) return next();
    res
      .type('text/css')
      .set('Cache-Control', 'public, max-age=3600')
      .send(renderThemeCss(state.bank));
  });
  app.get('/:bank/logo.svg', (req, res, next) => {
    const state = context.banks.get(req.params.bank);
    if (!state) return next();
    res
      .type('image/svg+xml')
      .set({
        'Cache-Control': 'public, max-age=86400',
        'Access-Control-Allow-Origin': '*',
        'Cross-Origin-Resource-Policy': 'cross-origin',
        'Content-Security-Policy': "default-src 'none'",
      })
      .send(state.bank.logoSvg);
  });
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.use(createAuthorizeRouter(context));
  app.use((_req, res) => void res.status(404).type('text/plain').send('not found'));
  const onError: ErrorRequestHandler = (
    error: { status?: number; type?: string },
    _req,
    res,
    _next,
  ) => {
    const status = typeof error.status === 'number' && error.status < 500 ? error.status : 500;
    if (status === 500) console.error('sandbox: unexpected error on the browser listener', error);
    res
      .status(status)
      .type('text/plain')
      .send(status === 413 ? 'request too large' : 'bad request');
  };
  app.use(onError);
  return app;
}

function createMtlsApp(context: SandboxContext, admin: boolean): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (admin) app.use('/__admin', createAdminRouter(context));
  app.use(createTokenRouter(context));
  app.use(createAispRouter(context));
  app.use((req, res) => sendStetError(res, req.path, new StetError(404, 'no such resource')));
  const onError: ErrorRequestHandler = (
    error: { status?: number; type?: string },
    req,
    res,
    _next,
  ) => {
    const status = typeof error.status === 'number' && error.status < 500 ? error.status : 500;
    if (status === 500) console.error('sandbox: unexpected error on the mTLS listener', error);
    const message =
      status === 413
        ? 'request body too large'
        : status === 400
          ? 'malformed request'
          : 'internal error';
    if (/\/(token|revoke)$/.test(req.path)) {
      sendTokenEndpointError(
        res,
        status,
        status === 500 ? 'server_error' : 'invalid_request',
        message,
      );
    } else {
      sendStetError(res, req.path, new StetError(status, message));
    }
  };
  app.use(onError);
  return app;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Starts the sandbox banks and resolves once both listeners accept connections. */
export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const host = options.host ?? 'localhost';
  const today = options.today ?? new Date();
  const banks = new Map(
    (options.banks ?? SANDBOX_BANKS).map((bank) => [
      bank.id,
      new BankState(bank, generateBankData(bank, today)),
    ]),
  );
  const clients = new Map<string, RegisteredClient>(
    options.clients.map((client) => [
      client.clientId,
      {
        clientId: client.clientId,
        name: client.name,
        redirectUris: client.redirectUris,
        qsealc: new X509Certificate(client.qsealcPem),
        qsealcUrl: client.qsealcUrl,
      },
    ]),
  );
  const trustedCa = new X509Certificate(options.tls.ca);
  const qsealcs = new QsealcDirectory({
    trustedCa,
    fetchQsealc: options.fetchQsealc,
    refetchIntervalMs: options.qsealcRefetchIntervalMs,
  });
  for (const client of clients.values()) {
    qsealcs.register(client.qsealcUrl, client.clientId, client.qsealc);
  }
  const context: SandboxContext = {
    banks,
    clients,
    trustedCa,
    qsealcs,
    browserOrigin: '',
    mtlsOrigin: '',
  };

  const browserServer = createHttpServer(createBrowserApp(context));
  const mtlsServer = createHttpsServer(
    {
      cert: options.tls.cert,
      key: options.tls.key,
      ca: options.tls.ca,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
    createMtlsApp(context, options.admin === true),
  );
  // Keep-alive longer than clients' pools so a reused connection is never closed under them.
  mtlsServer.keepAliveTimeout = 65_000;
  try {
    const browserPort = await listen(browserServer, options.httpPort ?? 9080, host);
    const mtlsPort = await listen(mtlsServer, options.mtlsPort ?? 9443, host);
    const urlHost = host.includes(':') ? `[${host}]` : host;
    context.browserOrigin = `http://${urlHost}:${browserPort}`;
    context.mtlsOrigin = `https://${urlHost}:${mtlsPort}`;
  } catch (error) {
    await Promise.all([close(browserServer), close(mtlsServer)]);
    throw error;
  }

  return {
    browserOrigin: context.browserOrigin,
    mtlsOrigin: context.mtlsOrigin,
    context,
    close: async () => {
      await Promise.all([close(browserServer), close(mtlsServer)]);
    },
  };
}
