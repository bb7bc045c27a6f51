/**
 * Publishing a webhook event: validating its data against the contract's schema and recording
 * one delivery per endpoint in the outbox. Nothing is sent here: the dispatcher sends, outside
 * any API request, so that a slow or failing endpoint never holds a customer's request.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  WEBHOOK_EVENTS,
  webhookEventIdSchema,
  type WebhookEvent,
  type WebhookEventData,
  type WebhookEventType,
} from '../contract/webhooks.js';
import type { Outbox } from './outbox.js';

export interface PublishOptions {
  /**
   * The event's id (`evt_…`, e.g. from `deriveEventId`). Publishing an id already recorded
   * records nothing: give the same id wherever the same event may be published twice (two
   * instances, a retried job). Without it, the event gets a random id.
   */
  eventId?: string;
}

export interface WebhookPublisherOptions {
  /** Absent, or with no endpoints, the publisher records nothing. */
  outbox: Outbox | undefined;
  endpoints: readonly string[];
  now: () => number;
  /** Called after an event was recorded: wakes the dispatcher. */
  onRecorded?: () => void;
}

/**
 * The id of an event that several places may publish: `evt_` and the SHA-256 of its parts, so
 * that the same parts always give the same id (and the outbox records the event once).
 */
export function deriveEventId(...parts: string[]): string {
  return `evt_${createHash('sha256').update(parts.join('\n')).digest('base64url')}`;
}

function createEventId(): string {
  return `evt_${randomBytes(32).toString('base64url')}`;
}

export class WebhookPublisher {
  readonly #outbox: Outbox | undefined;
  readonly #endpoints: readonly string[];
  readonly #now: () => number;
  readonly #onRecorded: () => void;

  constructor(options: WebhookPublisherOptions) {
    this.#outbox = options.outbox;
    this.#endpoints = options.endpoints;
    this.#now = options.now;
    this.#onRecorded = options.onRecorded ?? (() => {});
  }

  /** Whether events are recorded: endpoints are configured. */
  get enabled(): boolean {
    return this.#outbox !== undefined && this.#endpoints.length > 0;
  }

  /**
   * Records the event `type` with `data` for every endpoint, and answers it; answers undefined
   * when no endpoint is configured. Throws a TypeError when `data` does not fit the event's
   * schema (a caller's bug), and the store's error when the outbox cannot be written.
   */
  async publish<T extends WebhookEventType>(
    type: T,
    data: WebhookEventData<T>,
    options: PublishOptions = {},
  ): Promise<WebhookEvent<T> | undefined> {
    const schema = WEBHOOK_EVENTS[type] as (typeof WEBHOOK_EVENTS)[WebhookEventType] | undefined;
    if (!schema) throw new TypeError(`publish: unknown webhook event type ${String(type)}`);
    const checked = schema.safeParse(data);
    if (!checked.success) {
      throw new TypeError(`publish: ${type} data: ${checked.error.issues[0]?.message ?? ''}`);
    }
    if (options.eventId !== undefined && !webhookEventIdSchema.safeParse(options.eventId).success) {
      throw new TypeError('publish: eventId must be evt_ and 43 base64url characters');
    }
    if (!this.enabled || !this.#outbox) return undefined;
    const createdAt = this.#now();
    const event: WebhookEvent<T> = {
      id: options.eventId ?? createEventId(),
      type,
      createdAt: new Date(createdAt).toISOString(),
      data,
    };
    const body = JSON.stringify(event);
    const created = await this.#outbox.enqueue(
      this.#endpoints.map((endpoint) => ({
        eventId: event.id,
        eventType: type,
        endpoint,
        body,
        createdAt,
      })),
    );
    if (created > 0) this.#onRecorded();
    return event;
  }
}
