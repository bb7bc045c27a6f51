/**
 * The session events, as the session and flow services record them: each named by the session's
 * public id (`ses_…`), never its handle or a token, and each with an id derived from the session
 * and the end of its consent, so that one consent window gives one event of each kind however
 * many instances, retries or the scheduler record it.
 *
 * Recording happens inside API requests, which must not fail for it: the customer's consent is
 * already stored. A failure to write the outbox is logged at error level with its code
 * (`webhook_not_recorded`), for operators to see.
 */
import type { Logger } from 'pino';
import type { SessionInfo } from '../contract/schemas.js';
import type { WebhookEventData } from '../contract/webhooks.js';
import { toPublicSessionId } from '../sessions/handles.js';
import type { SessionRecord } from '../sessions/store.js';
import { deriveEventId, type WebhookPublisher } from './publisher.js';

export type SessionEvent =
  | { type: 'session.connected' | 'session.renewed' | 'session.expiring' }
  | {
      type: 'session.reauth_required';
      reason: WebhookEventData<'session.reauth_required'>['reason'];
    }
  | { type: 'session.revoked'; by: WebhookEventData<'session.revoked'>['by'] };

/** The id of a session event: one per type, session and consent window. */
export function deriveSessionEventId(type: SessionEvent['type'], record: SessionRecord): string {
  return deriveEventId(type, record.id, String(record.consentExpiresAt));
}

export class SessionEvents {
  readonly #publisher: WebhookPublisher;
  readonly #logger: Logger;

  constructor(publisher: WebhookPublisher, logger: Logger) {
    this.#publisher = publisher;
    this.#logger = logger;
  }

  /**
   * Records `event` for the session; `status` is the session's as `GET /v1/session` says it.
   * Never throws: see the module's comment.
   */
  async record(
    event: SessionEvent,
    record: SessionRecord,
    status: SessionInfo['status'],
  ): Promise<void> {
    if (!this.#publisher.enabled) return;
    const common = {
      sessionId: toPublicSessionId(record.id),
      aspsp: record.aspsp,
      expiresAt: new Date(record.consentExpiresAt).toISOString(),
    };
    // A deletion is one event whatever the window; a second DELETE finds no session.
    const eventId =
      event.type === 'session.revoked' && event.by !== 'bank'
        ? undefined
        : deriveSessionEventId(event.type, record);
    const options = eventId ? { eventId } : {};
    try {
      if (event.type === 'session.revoked') {
        await this.#publisher.publish(event.type, { ...common, by: event.by }, options);
      } else if (event.type === 'session.reauth_required') {
        await this.#publisher.publish(
          event.type,
          { ...common, status: 'reauth_required', reason: event.reason },
          options,
        );
      } else {
        await this.#publisher.publish(event.type, { ...common, status }, options);
      }
    } catch (error) {
      this.#logger.error(
        {
          code: 'webhook_not_recorded',
          eventType: event.type,
          aspsp: record.aspsp,
          err: error,
        },
        'could not record a webhook event',
      );
    }
  }

  /**
   * Records that reads of `resource` without the customer are spent until `resetsAt`: once per
   * window (the id is derived from when it frees up), however many reads and instances meet it.
   * Never throws, like `record`.
   */
  async recordBudgetExhausted(
    record: SessionRecord,
    resource: string,
    resetsAt: number,
  ): Promise<void> {
    if (!this.#publisher.enabled) return;
    const sessionId = toPublicSessionId(record.id);
    try {
      await this.#publisher.publish(
        'sync.budget_exhausted',
        { sessionId, aspsp: record.aspsp, resource, resetsAt: new Date(resetsAt).toISOString() },
        {
          eventId: deriveEventId('sync.budget_exhausted', record.id, resource, String(resetsAt)),
        },
      );
    } catch (error) {
      this.#logger.error(
        {
          code: 'webhook_not_recorded',
          eventType: 'sync.budget_exhausted',
          aspsp: record.aspsp,
          err: error,
        },
        'could not record a webhook event',
      );
    }
  }
}
