/**
 * The BFF's Prometheus metrics (prom-client), opt-in with `BFF_METRICS`: requests by route and
 * status; bank calls by bank, operation and outcome, with their latency; token refreshes, consents
 * that ended (`reauth_required`) and consent flows, by bank; and the days each eIDAS certificate
 * has left. Each BFF has a registry of its own, never prom-client's global one, so that several in
 * one process (tests, or a partner's app) never count into each other's metrics.
 *
 * No label carries a handle, an account, an address or anything else of a customer: every label
 * value comes from a closed list (the operations table, the error codes, the bank ids of the
 * registry, the fixed names below), never from the request itself.
 */
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { countDaysLeft } from './config.js';
import type { ErrorCode } from './contract/errors.js';
import { OPERATIONS } from './contract/operations.js';
import { BffError, type InternalErrorCode } from './errors.js';
import type { WebhookMetrics, WebhookOutcome } from './webhooks/dispatcher.js';

/** The calls the BFF makes to a bank: the token endpoint's three, and each STET resource. */
export type BankOperation =
  | 'code-exchange'
  | 'refresh'
  | 'revocation'
  | 'accounts'
  | 'balances'
  | 'transactions'
  | 'identity'
  | 'trusted-beneficiaries'
  | 'funds-confirmations'
  | 'other';

/** How something ended: `ok`, or the code of the error it ended with. */
export type Outcome = 'ok' | ErrorCode | InternalErrorCode;

/** A refresh: done at the bank (`ok`), `shared` (another request or instance did it), or failed. */
export type RefreshOutcome = Outcome | 'shared';

/**
 * Why a session now needs the customer again: the bank refused the refresh grant, the bank gives
 * no refresh token, or it refused the access token it had just renewed.
 */
export type ReauthReason = 'refresh_refused' | 'no_refresh_token';

/**
 * How a consent flow ended: a session (`completed`), the customer refused or cancelled at the
 * bank (`denied`), too late (`expired`), or any other failure (`failed`). A customer who closes the
 * bank's window tells no one: that flow only ever started.
 */
export type FlowOutcome = 'completed' | 'denied' | 'expired' | 'failed';

/** What the STET client reports: each call to a bank, once it has ended. */
export interface BankCallMetrics {
  observeBankCall(aspsp: string, operation: BankOperation, outcome: Outcome, seconds: number): void;
}

/** What the session service reports. */
export interface SessionMetrics {
  countRefresh(aspsp: string, outcome: RefreshOutcome): void;
  countReauthRequired(aspsp: string, reason: ReauthReason): void;
}

/** What the flow service reports. */
export interface FlowMetrics {
  countFlowStarted(aspsp: string): void;
  countFlowEnded(aspsp: string, outcome: FlowOutcome): void;
}

/** The outcome an error stands for: its stable code, `internal_error` for anything else. */
export function readOutcome(error: unknown): Outcome {
  return error instanceof BffError ? error.code : 'internal_error';
}

/** Seconds: a fast bank answers in tens of ms; the timeout (default 10 s) ends the slowest. */
const BANK_CALL_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface BffMetricsOptions {
  /** Read at each scrape, so that a certificate replaced at run time is the one reported. */
  certificates: () => { qwac: { notAfter: Date }; qsealc: { notAfter: Date } };
  now: () => number;
}

/** Every metric of one BFF, in its own registry. */
export class BffMetrics implements BankCallMetrics, SessionMetrics, FlowMetrics, WebhookMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'method' | 'route' | 'status'>;
  readonly #bankCalls: Counter<'aspsp' | 'operation' | 'outcome'>;
  readonly #bankCallSeconds: Histogram<'aspsp' | 'operation'>;
  readonly #refreshes: Counter<'aspsp' | 'outcome'>;
  readonly #reauths: Counter<'aspsp' | 'reason'>;
  readonly #flowsStarted: Counter<'aspsp'>;
  readonly #flowsEnded: Counter<'aspsp' | 'outcome'>;
  readonly #webhookDeliveries: Counter<'outcome'>;

  constructor(options: BffMetricsOptions) {
    const registers = [this.registry];
    this.#requests = new Counter({
      name: 'bank_connect_http_requests_total',
      help: 'Requests answered, by method, route (the path template) and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.#bankCalls = new Counter({
      name: 'bank_connect_bank_calls_total',
      help: 'Calls to the banks, by bank, operation and outcome (ok, or the error code).',
      labelNames: ['aspsp', 'operation', 'outcome'],
      registers,
    });
    this.#bankCallSeconds = new Histogram({
      name: 'bank_connect_bank_call_duration_seconds',
      help: 'Time a call to a bank took, retries included, by bank and operation.',
      labelNames: ['aspsp', 'operation'],
      buckets: BANK_CALL_BUCKETS,
      registers,
    });
    this.#refreshes = new Counter({
      name: 'bank_connect_token_refreshes_total',
      help: 'Token refreshes, by bank and outcome (ok, shared, or the error code).',
      labelNames: ['aspsp', 'outcome'],
      registers,
    });
    this.#reauths = new Counter({
      name: 'bank_connect_reauth_required_total',
      help: 'Sessions whose consent ended (reauth_required), by bank and reason.',
      labelNames: ['aspsp', 'reason'],
      registers,
    });
    this.#flowsStarted = new Counter({
      name: 'bank_connect_flows_started_total',
      help: 'Consent flows started, by bank.',
      labelNames: ['aspsp'],
      registers,
    });
    this.#flowsEnded = new Counter({
      name: 'bank_connect_flows_ended_total',
      help: 'Consent flows ended, by bank and outcome (completed, denied, expired, failed).',
      labelNames: ['aspsp', 'outcome'],
      registers,
    });
    this.#webhookDeliveries = new Counter({
      name: 'bank_connect_webhook_deliveries_total',
      help: 'Webhook delivery attempts, by outcome (delivered, failed: to be retried, abandoned).',
      labelNames: ['outcome'],
      registers,
    });
    new Gauge({
      name: 'bank_connect_certificate_days_left',
      help: 'Whole days before the certificate expires, as /readyz reports them.',
      labelNames: ['certificate'],
      registers,
      collect() {
        const { qwac, qsealc } = options.certificates();
        const now = options.now();
        this.set({ certificate: 'qwac' }, countDaysLeft(qwac.notAfter, now));
        this.set({ certificate: 'qsealc' }, countDaysLeft(qsealc.notAfter, now));
      },
    });
  }

  countRequest(method: string, route: string, status: number): void {
    this.#requests.inc({ method, route, status: String(status) });
  }

  observeBankCall(aspsp: string, operation: BankOperation, outcome: Outcome, seconds: number) {
    this.#bankCalls.inc({ aspsp, operation, outcome });
    this.#bankCallSeconds.observe({ aspsp, operation }, seconds);
  }

  countRefresh(aspsp: string, outcome: RefreshOutcome): void {
    this.#refreshes.inc({ aspsp, outcome });
  }

  countReauthRequired(aspsp: string, reason: ReauthReason): void {
    this.#reauths.inc({ aspsp, reason });
  }

  countFlowStarted(aspsp: string): void {
    this.#flowsStarted.inc({ aspsp });
  }

  countFlowEnded(aspsp: string, outcome: FlowOutcome): void {
    this.#flowsEnded.inc({ aspsp, outcome });
  }

  countWebhookDelivery(outcome: WebhookOutcome): void {
    this.#webhookDeliveries.inc({ outcome });
  }
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The routes a request may be counted under: the operations table's path templates (which never
 * hold a value: `/v1/accounts/{accountId}/balances`), and `/metrics`. Matched as Express matches,
 * case-insensitively and with an optional trailing slash.
 */
const ROUTES = [
  ...Object.values(OPERATIONS).map(({ method, path }) => ({
    method: method.toUpperCase(),
    template: path,
  })),
  { method: 'GET', template: '/metrics' },
].map((route) => ({
  ...route,
  pattern: new RegExp(
    `^${route.template
      .split(/\{\w+\}/)
      .map(escapeRegExp)
      .join('[^/]+')}/?$`,
    'i',
  ),
}));

/** The template a request's path matches (any method for a preflight), or `unmatched`. */
function findRoute(method: string, path: string): string {
  const wanted = method === 'HEAD' ? 'GET' : method;
  const route = ROUTES.find(
    (candidate) =>
      (wanted === 'OPTIONS' || candidate.method === wanted) && candidate.pattern.test(path),
  );
  return route?.template ?? 'unmatched';
}

/**
 * Counts every answer by method, route template and status. The route is found on the way in,
 * where the path is relative to the router, wherever a host app mounts it; the raw path, which
 * holds account ids and flow ids, is never a label.
 */
export function countRequests(metrics: BffMetrics): RequestHandler {
  return (req, res, next) => {
    const method = METHODS.has(req.method) ? req.method : 'other';
    const route = findRoute(req.method, req.path);
    res.on('finish', () => metrics.countRequest(method, route, res.statusCode));
    next();
  };
}

/** `GET /metrics`: the registry in Prometheus's text format. */
export function serveMetrics(registry: Registry): RequestHandler {
  return (_req, res, next) => {
    registry.metrics().then(
      (text) => {
        res.set({ 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' }).send(text);
      },
      (error: unknown) => next(error),
    );
  };
}
