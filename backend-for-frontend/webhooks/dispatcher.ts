/**
 * The webhook dispatcher: runs in every instance, claims the outbox's due deliveries with a lease,
 * signs each (signing.ts) and POSTs it to its endpoint with undici, with a timeout and without
 * following redirects. A 2xx answer delivers it; anything else is retried with exponential
 * backoff and jitter (30 s, 1 min, 2 min … at most an hour apart) until 24 hours after the event,
 * then abandoned.
 *
 * Every failed attempt is logged at warn with `code: 'webhook_failed'`, the status or the error
 * code, the attempt and the next one's time; an abandoned delivery at error with
 * `code: 'webhook_abandoned'`. Logs name the endpoint by its origin only (a path may hold a token
 * of the partner's) and never hold the body or the secret.
 */
import { rootCertificates } from 'node:tls';
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import type { WebhookSettings } from '../config.js';
import type { Outbox, Settlement, DeliveryRecord } from './outbox.js';
import { signWebhook } from './signing.js';

/** How long the outbox retries a delivery, from the event's creation. */
export const MAX_DELIVERY_AGE_MS = 24 * 3_600_000;
const FIRST_RETRY_MS = 30_000;
const MAX_RETRY_MS = 3_600_000;
const DEFAULT_POLL_INTERVAL_MS = 2_000;
const DEFAULT_BATCH_SIZE = 20;

/** How a webhook delivery attempt ended, as counted by the metrics. */
export type WebhookOutcome = 'delivered' | 'failed' | 'abandoned';

export interface WebhookMetrics {
  countWebhookDelivery(outcome: WebhookOutcome): void;
}

export interface WebhookDispatcherOptions {
  outbox: Outbox;
  settings: WebhookSettings;
  logger: Logger;
  now: () => number;
  metrics?: WebhookMetrics | undefined;
  /** How often the outbox is polled for due deliveries (0: only when woken or run). */
  pollIntervalMs?: number;
  /** How many deliveries one claim takes, and so how many are sent at once. */
  batchSize?: number;
  /** The jitter's source, in [0, 1). */
  random?: () => number;
}

/** What one pass did. */
export interface DispatchReport {
  delivered: number;
  failed: number;
  abandoned: number;
}

/**
 * The wait before the attempt after `attempts` failed ones: 30 s doubled each time, at most an
 * hour, times a jitter in [0.8, 1.2) so that the retries of many deliveries spread out.
 */
export function computeRetryDelay(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(FIRST_RETRY_MS * 2 ** Math.min(attempts - 1, 20), MAX_RETRY_MS);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** The endpoint as logs name it: its origin, never its path or query. */
function originOf(endpoint: string): string {
  return new URL(endpoint).origin;
}

/** A failure as the outbox and logs keep it: `http_<status>` or a code, never a message. */
function describeFailure(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return 'timeout';
  }
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z0-9_]{2,64}$/.test(code) ? code : 'network_error';
}

export class WebhookDispatcher {
  readonly #outbox: Outbox;
  readonly #settings: WebhookSettings;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #metrics: WebhookMetrics | undefined;
  readonly #batchSize: number;
  readonly #random: () => number;
  readonly #pollIntervalMs: number;
  readonly #agent: Agent;
  /** The pass in progress (or the last one): passes run one at a time. */
  #running: Promise<DispatchReport> = Promise.resolve({ delivered: 0, failed: 0, abandoned: 0 });
  #timer: NodeJS.Timeout | undefined;
  #woken = false;
  #closed = false;

  constructor(options: WebhookDispatcherOptions) {
    this.#outbox = options.outbox;
    this.#settings = options.settings;
    this.#logger = options.logger;
    this.#now = options.now;
    this.#metrics = options.metrics;
    this.#batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.#random = options.random ?? Math.random;
    this.#pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    // Extra CAs add to Node's own: `ca` alone would replace them.
    this.#agent = new Agent({
      ...(options.settings.ca
        ? { connect: { ca: [...rootCertificates, options.settings.ca] } }
        : {}),
    });
  }

  /** Starts polling the outbox. */
  start(): void {
    if (this.#timer || this.#closed || this.#pollIntervalMs === 0) return;
    this.#timer = setInterval(() => this.wake(), this.#pollIntervalMs);
    this.#timer.unref();
  }

  /** Runs a pass soon, outside the caller's own work (an API request recording an event). */
  wake(): void {
    if (this.#woken || this.#closed) return;
    this.#woken = true;
    setImmediate(() => {
      this.#woken = false;
      this.runOnce().catch((error: unknown) =>
        this.#logger.warn({ err: error }, 'webhook dispatch failed'),
      );
    });
  }

  /**
   * Sends every delivery due now, after the pass in progress if there is one; answers what this
   * pass did. Tests call it to dispatch without waiting for the poll.
   */
  runOnce(): Promise<DispatchReport> {
    const pass = this.#running.catch(() => undefined).then(() => this.#pass());
    this.#running = pass;
    return pass;
  }

  /** Stops polling and waits for the deliveries in flight. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#running.catch(() => undefined);
    await this.#agent.close();
  }

  async #pass(): Promise<DispatchReport> {
    const report: DispatchReport = { delivered: 0, failed: 0, abandoned: 0 };
    if (this.#closed) return report;
    // The lease outlasts an attempt (the timeout), so that no other instance sends it meanwhile.
    const leaseMs = this.#settings.timeoutMs + 30_000;
    for (;;) {
      const { owner, deliveries } = await this.#outbox.claimDue(
        this.#now(),
        this.#batchSize,
        leaseMs,
      );
      const outcomes = await Promise.all(
        deliveries.map((delivery) => this.#attempt(delivery, owner)),
      );
      for (const outcome of outcomes) report[outcome] += 1;
      if (deliveries.length < this.#batchSize || this.#closed) return report;
    }
  }

  async #attempt(delivery: DeliveryRecord, owner: string): Promise<WebhookOutcome> {
    const attempts = delivery.attempts + 1;
    const failure = await this.#post(delivery);
    const now = this.#now();
    let settlement: Settlement;
    const log = {
      eventId: delivery.eventId,
      eventType: delivery.eventType,
      endpoint: originOf(delivery.endpoint),
      attempt: attempts,
    };
    if (failure === undefined) {
      settlement = { state: 'delivered', attempts };
      this.#logger.info(log, 'webhook delivered');
    } else if (now >= delivery.createdAt + MAX_DELIVERY_AGE_MS) {
      settlement = { state: 'abandoned', attempts, lastError: failure };
      this.#logger.error(
        { ...log, code: 'webhook_abandoned', error: failure },
        'webhook abandoned: its endpoint failed for 24 hours',
      );
    } else {
      // The last attempt falls at the 24-hour mark, not after it.
      const nextAttemptAt = Math.min(
        now + computeRetryDelay(attempts, this.#random),
        delivery.createdAt + MAX_DELIVERY_AGE_MS,
      );
      settlement = { state: 'pending', attempts, nextAttemptAt, lastError: failure };
      this.#logger.warn(
        {
          ...log,
          code: 'webhook_failed',
          error: failure,
          nextAttemptAt: new Date(nextAttemptAt).toISOString(),
        },
        'webhook delivery failed: will retry',
      );
    }
    const outcome: WebhookOutcome =
      settlement.state === 'delivered'
        ? 'delivered'
        : settlement.state === 'abandoned'
          ? 'abandoned'
          : 'failed';
    this.#metrics?.countWebhookDelivery(outcome);
    try {
      await this.#outbox.settle(delivery.id, owner, settlement);
    } catch (error) {
      // The lease ends the claim: the delivery falls due again, and is sent again.
      this.#logger.warn({ ...log, err: error }, 'could not record a webhook attempt');
    }
    return outcome;
  }

  /** POSTs the signed delivery; answers undefined on a 2xx, else what failed. */
  async #post(delivery: DeliveryRecord): Promise<string | undefined> {
    const { timeoutMs, secrets } = this.#settings;
    const signature = signWebhook(secrets, delivery.eventId, new Date(this.#now()), delivery.body);
    try {
      const response = await request(delivery.endpoint, {
        method: 'POST',
        dispatcher: this.#agent,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'bank-connect-bff',
          ...signature,
        },
        body: delivery.body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The answer's body means nothing to the BFF; reading it frees the connection.
      await response.body.dump();
      return response.statusCode >= 200 && response.statusCode < 300
        ? undefined
        : `http_${response.statusCode}`;
    } catch (error) {
      return describeFailure(error);
    }
  }
}
