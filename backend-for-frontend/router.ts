/**
 * `createBankConnectRouter(config, deps)`: the whole BFF as one Express router, to mount in a
 * TPP's existing app or to serve on its own (app.ts). It owns its bank connections and session
 * store; call `close()` when the host app shuts down.
 */
import { createHmac } from 'node:crypto';
import express, { type RequestHandler, type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Registry as MetricsRegistry } from 'prom-client';
import { countDaysLeft, type BffConfig } from './config.js';
import type { BffContext } from './context.js';
import { DpopVerifier, publicBaseOf } from './dpop/proof.js';
import { BffError } from './errors.js';
import {
  allowOrigins,
  assignRequestId,
  handleErrors,
  recordClientAddress,
  requireCsrfHeader,
} from './http.js';
import { FlowService } from './flows/flow-service.js';
import { createLogger } from './logger.js';
import { BffMetrics, countRequests, serveMetrics } from './metrics.js';
import { loadRegistry, type Registry } from './registry.js';
import { createAspspsRouter } from './routes/aspsps.js';
import { createDataRouter } from './routes/data.js';
import { createCallbackRouter, createFlowsRouter } from './routes/flows.js';
import { requirePartnerKey } from './partner/auth.js';
import { UnattendedReads } from './partner/unattended-reads.js';
import { createMetaRouter } from './routes/meta.js';
import { createPartnerRouter } from './routes/partner.js';
import { createSessionRouter } from './routes/session.js';
import { createWidgetRouter, readWidgetBuild, type WidgetBuild } from './routes/widget.js';
import { RedisSessionStore } from './sessions/redis-store.js';
import { DEFAULT_LEASE_MS } from './sessions/redis-refresh-lock.js';
import { TokenSealer } from './sessions/sealing.js';
import { SessionService } from './sessions/session-service.js';
import { SqliteSessionStore } from './sessions/sqlite-store.js';
import type { SessionStore } from './sessions/store.js';
import { BankClient } from './stet/bank-client.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import { WebhookPublisher } from './webhooks/publisher.js';
import { ConsentEndScheduler } from './webhooks/scheduler.js';
import { SessionEvents } from './webhooks/session-events.js';

export interface BankConnectDeps {
  logger?: Logger;
  /** A session store to use instead of the one `config.sessionStore` names. */
  store?: SessionStore;
  /** A registry to use instead of reading `config.registryFile`. */
  registry?: Registry;
  now?: () => number;
  /** The widget build to serve, instead of reading `config.widgetDir` or the installed package. */
  widget?: WidgetBuild;
  /** How often the webhook dispatcher and scheduler run (0: only when a test runs them). */
  webhookIntervals?: { dispatchMs?: number; scheduleMs?: number };
}

/** The webhooks' background work, when endpoints are configured. */
export interface WebhookWorkers {
  dispatcher: WebhookDispatcher;
  scheduler: ConsentEndScheduler;
}

export type BankConnectRouter = Router & {
  context: BffContext;
  /**
   * The prom-client registry of the BFF's metrics when `config.metrics` is on, else undefined.
   * The router serves it at `/metrics` unless `config.metricsPort` is set; a host app may also
   * serve it itself, or merge it into its own (`Registry.merge`).
   */
  metrics: MetricsRegistry | undefined;
  /**
   * The webhook dispatcher and consent-end scheduler when `config.webhooks` is set, else
   * undefined; both run by themselves, and `runOnce()` runs either now.
   */
  webhooks: WebhookWorkers | undefined;
  /** Stops the webhooks' work, waiting for deliveries in flight, and closes bank connections and the session store. */
  close(): Promise<void>;
};

const PURGE_INTERVAL_MS = 10 * 60_000;

export interface OpenSessionStoreOptions {
  logger?: Logger;
  /** The bank timeout: how long a refresh may wait for another instance's refresh to finish. */
  bankTimeoutMs?: number;
}

/**
 * Opens the session store a `BFF_SESSION_STORE` URL names: `sqlite:<file>` (one instance), or
 * `redis://…` / `rediss://…` (TLS) for several instances sharing sessions and the refresh lock.
 * Redis connects in the background, so this stays synchronous; calls made before the connection
 * is up wait for it briefly, then fail as `session_store_unavailable`.
 */
export function openSessionStore(url: string, options: OpenSessionStoreOptions = {}): SessionStore {
  if (url.startsWith('sqlite:')) return new SqliteSessionStore(url.slice('sqlite:'.length));
  if (url.startsWith('redis://') || url.startsWith('rediss://')) {
    return new RedisSessionStore(url, {
      ...(options.logger ? { logger: options.logger } : {}),
      // A waiter outlasts the holder's bank call, or a crashed holder's lease.
      lockWaitMs: Math.max(options.bankTimeoutMs ?? 10_000, DEFAULT_LEASE_MS) + 1_000,
    });
  }
  throw new BffError('internal_error', `unsupported session store ${url.split(':')[0] ?? ''}`);
}

function logRequests(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      logger.info(
        {
          requestId: res.locals.requestId as string,
          method: req.method,
          // The path only: a callback's query string carries the authorization code.
          path: req.path,
          status: res.statusCode,
          ...(res.locals.partnerKey ? { partnerKey: res.locals.partnerKey as string } : {}),
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
    next();
  };
}

/**
 * Keeps the request's path as this router sees it, before any sub-router strips a prefix: a DPoP
 * proof's `htu` is the BFF's public base and this path, wherever the host app mounts the router.
 */
function recordRoutePath(): RequestHandler {
  return (req, res, next) => {
    res.locals.routePath = req.path;
    next();
  };
}

/** With `BFF_DPOP_NONCE`, every API answer hands out the current nonce (RFC 9449 §8). */
function offerDpopNonce(dpop: DpopVerifier): RequestHandler {
  return (_req, res, next) => {
    const nonce = dpop.currentNonce();
    if (nonce !== undefined) res.set('DPoP-Nonce', nonce);
    next();
  };
}

function requireJsonBodies(): RequestHandler {
  return (req, _res, next) => {
    const hasBody =
      req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0';
    if (
      (req.method === 'POST' || req.method === 'PUT') &&
      (hasBody || req.headers['transfer-encoding'])
    ) {
      if (!req.is('application/json')) {
        return next(
          new BffError('unsupported_media_type', 'the request body must be application/json'),
        );
      }
    }
    next();
  };
}

/**
 * Warns, once at start-up, of a QWAC or QSealC that expires within `certificateWarningDays`:
 * renewing one takes days with a QTSP, and a lapsed QWAC ends every bank call at once.
 */
function warnOfExpiringCertificates(config: BffConfig, logger: Logger, now: number): void {
  for (const [name, { notAfter }] of [
    ['QWAC', config.qwac],
    ['QSealC', config.qsealc],
  ] as const) {
    const daysLeft = countDaysLeft(notAfter, now);
    if (daysLeft <= config.certificateWarningDays) {
      logger.warn(
        {
          code: 'certificate_expiring',
          certificate: name,
          notAfter: notAfter.toISOString(),
          daysLeft,
        },
        `the ${name} expires in ${daysLeft} days: renew it`,
      );
    }
  }
}

export function createBankConnectRouter(
  config: BffConfig,
  deps: BankConnectDeps = {},
): BankConnectRouter {
  const logger = deps.logger ?? createLogger({ level: config.logLevel });
  const registry = deps.registry ?? loadRegistry(config.registryFile);
  const now = deps.now ?? Date.now;
  const metrics = config.metrics ? new BffMetrics({ certificates: () => config, now }) : undefined;
  const banks = new Map(
    [...registry.values()].map((aspsp) => [
      aspsp.id,
      new BankClient(aspsp, {
        clientId: config.clientId,
        redirectUri: config.redirectUri,
        qwac: config.qwac,
        previousQwac: config.previousQwac,
        qsealc: config.qsealc,
        timeoutMs: config.bankTimeoutMs,
        metrics,
      }),
    ]),
  );
  const store =
    deps.store ??
    openSessionStore(config.sessionStore, { logger, bankTimeoutMs: config.bankTimeoutMs });
  const sealer = new TokenSealer(config.sealingKeys);
  if (config.webhooks && !store.outbox) {
    throw new BffError('internal_error', 'this session store keeps no webhook outbox');
  }
  let dispatcher: WebhookDispatcher | undefined;
  const webhooks = new WebhookPublisher({
    outbox: store.outbox,
    endpoints: config.webhooks?.urls ?? [],
    now,
    onRecorded: () => dispatcher?.wake(),
  });
  const events = new SessionEvents(webhooks, logger);
  const sessions = new SessionService({
    store,
    sealer,
    banks,
    logger,
    qwacThumbprint: config.qwac.thumbprint,
    previousQwacThumbprint: config.previousQwac?.thumbprint,
    consentWarningDays: config.consentWarningDays,
    now,
    metrics,
    events,
  });
  const flows = new FlowService({
    store,
    sealer,
    sessions,
    banks,
    logger,
    allowedOrigins: config.allowedOrigins,
    flowTtlSeconds: config.flowTtlSeconds,
    now,
    metrics,
    events,
  });
  const unattended = new UnattendedReads({
    sync: store.sync,
    sealer,
    logger,
    now,
    onExhausted: (record, resource, resetsAt) =>
      void events.recordBudgetExhausted(record, resource, resetsAt),
  });
  const dpop = new DpopVerifier({
    publicBase: publicBaseOf(config.redirectUri),
    windowSeconds: config.dpopWindowSeconds,
    recordProof: (id, expiresAt) => store.recordProof(id, expiresAt),
    // Derived from the first sealing key: every instance sharing the store hands out the same.
    nonceKey: config.dpopNonce
      ? createHmac('sha256', config.sealingKeys[0] ?? Buffer.alloc(32))
          .update('bank-connect dpop nonce')
          .digest()
      : undefined,
    // Proofs carry the browser's wall-clock time; the injectable clock moves consent time only.
    now: Date.now,
  });
  const context: BffContext = {
    config,
    logger,
    registry,
    banks,
    store,
    sealer,
    sessions,
    flows,
    dpop,
    unattended,
    webhooks,
    now,
  };
  let workers: WebhookWorkers | undefined;
  if (config.webhooks && store.outbox) {
    dispatcher = new WebhookDispatcher({
      outbox: store.outbox,
      settings: config.webhooks,
      logger,
      now,
      metrics,
      ...(deps.webhookIntervals?.dispatchMs === undefined
        ? {}
        : { pollIntervalMs: deps.webhookIntervals.dispatchMs }),
    });
    const scheduler = new ConsentEndScheduler({
      store,
      outbox: store.outbox,
      events,
      logger,
      now,
      consentWarningDays: config.consentWarningDays,
      ...(deps.webhookIntervals?.scheduleMs === undefined
        ? {}
        : { intervalMs: deps.webhookIntervals.scheduleMs }),
    });
    dispatcher.start();
    scheduler.start();
    // Deliveries left by a previous run, or by an instance that stopped, are due now.
    dispatcher.wake();
    workers = { dispatcher, scheduler };
  }

  const router = express.Router();
  router.use(recordRoutePath());
  router.use(assignRequestId());
  if (metrics) router.use(countRequests(metrics));
  router.use(recordClientAddress(config.trustProxy));
  router.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
      },
      crossOriginResourcePolicy: { policy: 'same-site' },
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  router.use(logRequests(logger));
  warnOfExpiringCertificates(config, logger, now());
  const widget = deps.widget ?? readWidgetBuild(config.widgetDir);
  if (!widget) logger.warn('no widget build found: /bank-connect.js answers widget_unavailable');
  router.use(createMetaRouter(context));
  if (metrics && config.metricsPort === undefined) {
    router.get('/metrics', serveMetrics(metrics.registry));
  }
  router.use(createWidgetRouter(context, widget));
  router.use(createCallbackRouter(context));
  router.use('/partner', requirePartnerKey(config.partnerKeys));
  router.use(createPartnerRouter(context));
  router.use('/partner', (_req, _res, next) => next(new BffError('not_found', 'no such endpoint')));
  if (config.partnerKeys.length === 0) {
    logger.info('BFF_PARTNER_KEYS is empty: the partner-server API refuses every call');
  }
  router.use(
    '/v1',
    offerDpopNonce(dpop),
    allowOrigins(config.allowedOrigins, config.cookieMode),
    requireCsrfHeader(),
    requireJsonBodies(),
    express.json({ limit: '16kb', strict: true, type: 'application/json' }),
  );
  router.use(createAspspsRouter(context));
  router.use(createFlowsRouter(context));
  router.use(createSessionRouter(context));
  router.use(createDataRouter(context));
  router.use('/v1', (_req, _res, next) => next(new BffError('not_found', 'no such endpoint')));
  router.use(handleErrors(logger));

  const purge = setInterval(() => {
    Promise.all([store.purgeExpired(now()), store.outbox?.purge(now())]).catch((error: unknown) =>
      logger.warn({ err: error }, 'purge failed'),
    );
  }, PURGE_INTERVAL_MS);
  purge.unref();

  return Object.assign(router, {
    context,
    metrics: metrics?.registry,
    webhooks: workers,
    close: async () => {
      clearInterval(purge);
      await Promise.all([workers?.dispatcher.close(), workers?.scheduler.close()]);
      await Promise.all([...banks.values()].map((bank) => bank.close()));
      await store.close();
    },
  });
}
