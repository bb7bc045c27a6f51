/**
 * The webhook outbox: what the webhooks persist, in the session store's own backend (a table of
 * the SQLite file, keys of the Redis server), so that a restart loses no delivery and every
 * instance sharing the store shares the outbox (the transactional-outbox pattern: an API request
 * only writes here; the dispatcher sends, later and elsewhere).
 *
 * One delivery per event and endpoint, with a deterministic id: enqueueing the same event twice
 * (two instances' schedulers, or a retried request) records it once. A dispatcher claims due
 * deliveries with a lease, which moves their next attempt to the lease's end: two dispatchers
 * never send one delivery at once, and a crashed one's deliveries fall due again when its lease
 * ends. Settling names the claim, so a dispatcher whose lease ran out changes nothing.
 *
 * The outbox also keeps the expiry scheduler's lease and cursor (scheduler.ts), which must be
 * shared the same way.
 */
import { createHash } from 'node:crypto';
import type { SessionCursor } from '../sessions/store.js';

export type DeliveryState = 'pending' | 'delivered' | 'abandoned';

export interface DeliveryRecord {
  /** `hash(eventId, endpoint)`: one delivery per event and endpoint, whoever enqueues it. */
  id: string;
  eventId: string;
  eventType: string;
  endpoint: string;
  /** The event's JSON, exactly as signed and sent; emptied once the delivery is settled. */
  body: string;
  /** Attempts made so far. */
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  /** The last attempt's failure: `http_<status>` or an error code, never a message or a body. */
  lastError: string | null;
  state: DeliveryState;
}

/** A delivery to record: the event, for one endpoint. */
export type NewDelivery = Pick<
  DeliveryRecord,
  'eventId' | 'eventType' | 'endpoint' | 'body' | 'createdAt'
>;

/** What a dispatcher claimed: the deliveries, and the claim that settles them. */
export interface Claim {
  owner: string;
  deliveries: DeliveryRecord[];
}

/** How an attempt ended. */
export type Settlement =
  | { state: 'delivered'; attempts: number }
  | { state: 'pending'; attempts: number; nextAttemptAt: number; lastError: string }
  | { state: 'abandoned'; attempts: number; lastError: string };

export interface Outbox {
  /** Records deliveries that are not recorded yet; answers how many were new. */
  enqueue(deliveries: NewDelivery[]): Promise<number>;
  /**
   * Claims up to `limit` pending deliveries due at `now` for `leaseMs`: until then, no other
   * claim returns them.
   */
  claimDue(now: number, limit: number, leaseMs: number): Promise<Claim>;
  /** Settles a claimed delivery; false (and no change) if the claim is no longer its owner. */
  settle(id: string, owner: string, settlement: Settlement): Promise<boolean>;
  /** The delivery, whatever its state; for operators and tests. */
  getDelivery(id: string): Promise<DeliveryRecord | undefined>;
  /**
   * Takes or extends the lease `name` for `owner` until `now + leaseMs`; false while another
   * owner holds it.
   */
  acquireLease(name: string, owner: string, now: number, leaseMs: number): Promise<boolean>;
  /** Ends the lease `name` if `owner` holds it. */
  releaseLease(name: string, owner: string): Promise<void>;
  readCursor(name: string): Promise<SessionCursor | undefined>;
  writeCursor(name: string, cursor: SessionCursor): Promise<void>;
  /** Forgets settled deliveries past their retention. */
  purge(now: number): Promise<void>;
}

/**
 * How long a settled delivery is kept: as long as its id must still refuse a second enqueue of
 * the same event (a scheduler's window is at most 90 days away, but it enqueues each session's
 * event once per pass of its cursor; a day's margin would do, a month is cheap).
 */
export const DELIVERY_RETENTION_MS = 30 * 86_400_000;

/** The delivery id of an event for an endpoint. */
export function toDeliveryId(eventId: string, endpoint: string): string {
  return createHash('sha256').update(`${eventId}\n${endpoint}`).digest('base64url');
}
