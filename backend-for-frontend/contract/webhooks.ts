/**
 * The webhooks the BFF sends to the partner's server, defined once: each event's type and the
 * zod schema of its `data`, from which come the TypeScript types and docs/webhooks.md's field
 * lists (a test keeps them in step). Like the rest of the contract, nothing here is a bank token
 * or a session handle: a session is named by its stable, non-secret id (`ses_…`), the one the
 * page's success event and `GET /v1/session` give.
 */
import { z } from 'zod';
import { sessionIdSchema, sessionStatusSchema } from './schemas.js';

const ISO_DATE_TIME = z.iso.datetime();

/** An event's id: `evt_` and 43 base64url characters; the `webhook-id` header carries it too. */
export const webhookEventIdSchema = z.string().regex(/^evt_[A-Za-z0-9_-]{43}$/);

/** What every session event says of its session. */
const sessionFields = {
  /** The session's stable id, as the partner got it on success. */
  sessionId: sessionIdSchema,
  /** The bank's id in the registry. */
  aspsp: z.string(),
  /** The session's status when the event was recorded, as `GET /v1/session` would say it. */
  status: sessionStatusSchema,
  /** When the consent ends (or ended). */
  expiresAt: ISO_DATE_TIME,
};

/** Each event type and the schema of its `data`. */
export const WEBHOOK_EVENTS = {
  /** A customer completed a consent: a new session. */
  'session.connected': z.strictObject({ ...sessionFields }),
  /** A customer renewed the consent of an existing session; its id stays the same. */
  'session.renewed': z.strictObject({ ...sessionFields }),
  /** The consent enters the warning window before its end (`BFF_CONSENT_WARNING_DAYS`). */
  'session.expiring': z.strictObject({ ...sessionFields }),
  /** The consent reached its end, or the bank gives no refresh token to go on: reconnect. */
  'session.reauth_required': z.strictObject({
    ...sessionFields,
    /**
     * `consent_expired`: the consent reached its planned end; `no_refresh_token`: the bank gives
     * no refresh token and the access token ended (or the TPP's QWAC was renewed).
     */
    reason: z.enum(['consent_expired', 'no_refresh_token']),
  }),
  /**
   * The session ended before its consent's end: the bank refused to refresh it (the customer
   * withdrew the consent at the bank), or the customer deleted it (`DELETE /v1/session`).
   */
  'session.revoked': z.strictObject({
    sessionId: sessionFields.sessionId,
    aspsp: sessionFields.aspsp,
    expiresAt: sessionFields.expiresAt,
    /**
     * `bank`: the bank refused to refresh the session before its consent's end (the session is
     * `reauth_required`); `customer`: the customer deleted it (the session is gone); `partner`:
     * the partner's server deleted it (`DELETE /partner/v1/sessions/{id}`; gone too).
     */
    by: z.enum(['bank', 'customer', 'partner']),
  }),
  /** Four reads of a resource of this session without the customer reached the bank in 24 h. */
  'sync.budget_exhausted': z.strictObject({
    sessionId: sessionIdSchema,
    aspsp: z.string(),
    /**
     * The bank resource whose reads without the customer are spent, as banks count them:
     * `accounts`, `accounts/{accountId}/balances`, `accounts/{accountId}/transactions`…
     */
    resource: z.string().min(1),
    /** When the oldest counted read leaves the rolling 24 hours: a read reaches the bank again. */
    resetsAt: ISO_DATE_TIME,
  }),
} as const;

export type WebhookEventType = keyof typeof WEBHOOK_EVENTS;
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENTS) as WebhookEventType[];

/** The `data` of an event of type `T`. */
export type WebhookEventData<T extends WebhookEventType> = z.infer<(typeof WEBHOOK_EVENTS)[T]>;

/** The body of every webhook: one event. */
export const webhookEventSchema = z.discriminatedUnion(
  'type',
  WEBHOOK_EVENT_TYPES.map((type) =>
    z.strictObject({
      id: webhookEventIdSchema,
      type: z.literal(type),
      /** When the BFF recorded the event; retries keep it. */
      createdAt: ISO_DATE_TIME,
      data: WEBHOOK_EVENTS[type],
    }),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
);

/** The body of a webhook of type `T`. */
export interface WebhookEvent<T extends WebhookEventType = WebhookEventType> {
  id: string;
  type: T;
  createdAt: string;
  data: WebhookEventData<T>;
}
