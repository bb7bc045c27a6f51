/**
 * Fourmi's webhook endpoint: it checks each delivery's Standard Webhooks signature, drops
 * duplicates by `webhook-id`, and keeps the last events for the presenter panel, which waits for
 * new ones (a long poll) to show them as they arrive.
 *
 * The check is the README's, with one difference: the demo's clock runs ahead of real time when
 * the presenter moves it, and the BFF signs with that clock, so the timestamp is checked against
 * the demo's clock. `Webhook.verify` reads the real one; the signature itself is computed by the
 * same library.
 */
import { timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Webhook } from 'standardwebhooks';
import type { WebhookEvent } from '../backend-for-frontend/contract/webhooks.js';
import type { DemoClock } from './clock.js';

/** Standard Webhooks' tolerance for a timestamp, either way. */
const TOLERANCE_S = 5 * 60;
const KEPT = 50;

export interface InboxEntry {
  /** The order of arrival, for the panel's "after". */
  seq: number;
  event: WebhookEvent;
  receivedAt: string;
}

export class WebhookInbox {
  readonly #webhook: Webhook;
  readonly #clock: DemoClock;
  readonly #entries: InboxEntry[] = [];
  readonly #seen = new Set<string>();
  readonly #arrivals = new EventEmitter();
  #seq = 0;

  constructor(options: { secret: string; clock: DemoClock }) {
    this.#webhook = new Webhook(options.secret);
    this.#clock = options.clock;
    this.#arrivals.setMaxListeners(0);
  }

  /** Takes a delivery; answers why it is refused, or undefined when it is taken (or a duplicate). */
  receive(body: string, headers: Record<string, string | undefined>): string | undefined {
    const id = headers['webhook-id'];
    const timestamp = Number(headers['webhook-timestamp']);
    const signatures = headers['webhook-signature'];
    if (!id || !Number.isInteger(timestamp) || !signatures) return 'missing signature headers';
    if (Math.abs(this.#clock.now() / 1000 - timestamp) > TOLERANCE_S) return 'stale timestamp';
    const expected = Buffer.from(this.#webhook.sign(id, new Date(timestamp * 1000), body));
    const valid = signatures.split(' ').some((signature) => {
      const given = Buffer.from(signature);
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    if (!valid) return 'bad signature';
    if (this.#seen.has(id)) return undefined;
    this.#seen.add(id);
    const entry: InboxEntry = {
      seq: ++this.#seq,
      event: JSON.parse(body) as WebhookEvent,
      receivedAt: new Date(this.#clock.now()).toISOString(),
    };
    this.#entries.push(entry);
    if (this.#entries.length > KEPT) this.#entries.shift();
    this.#arrivals.emit('entry');
    return undefined;
  }

  list(after: number): InboxEntry[] {
    return this.#entries.filter((entry) => entry.seq > after);
  }

  /** The entries after `after`, as soon as there are any, or none after `waitMs`. */
  waitForEntries(after: number, waitMs: number, signal: AbortSignal): Promise<InboxEntry[]> {
    const ready = this.list(after);
    if (ready.length > 0 || signal.aborted) return Promise.resolve(ready);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#arrivals.off('entry', done);
        signal.removeEventListener('abort', done);
        resolve(this.list(after));
      };
      const timer = setTimeout(done, waitMs);
      this.#arrivals.on('entry', done);
      signal.addEventListener('abort', done);
    });
  }
}
