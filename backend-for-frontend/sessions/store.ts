/**
 * What the BFF persists: consent flows (short-lived, between `POST /v1/flows` and completion)
 * and sessions (the sealed bank tokens behind a handle). The interface is asynchronous so that a
 * network store (Redis) fits it as well as the embedded SQLite default.
 *
 * Updates are compare-and-set (a flow's status, a session's version) so that two requests, or two
 * BFF instances, can never both act on the same flow or overwrite each other's refresh.
 */
import type { BankScope, FlowMode } from '../contract/index.js';
import type { Outbox } from '../webhooks/outbox.js';
import type { RefreshLock } from './refresh-lock.js';
import type { SyncStore } from './sync-store.js';

/**
 * `pending` until the bank sends the customer back to `/v1/callback`, then `returned`; the code
 * exchange moves it to `exchanging` (so two completions can never both spend the code), then
 * `completed`.
 */
export type FlowStatus = 'pending' | 'returned' | 'exchanging' | 'completed';

export interface FlowRecord {
  id: string;
  /** SHA-256 of `state`: the BFF never stores the state itself. */
  stateHash: string;
  codeChallenge: string;
  aspsp: string;
  scopes: BankScope[];
  mode: FlowMode;
  /** The partner page's origin, exactly; the only postMessage target. */
  origin: string;
  returnTo: string;
  createdAt: number;
  expiresAt: number;
  status: FlowStatus;
  /** For a reconnect: the id of the session whose consent is being renewed. */
  sessionId: string | null;
  /** Once completed: the sealed handle, so a second completion (same verifier) is idempotent. */
  completion: string | null;
  /**
   * The thumbprint (RFC 7638) of the DPoP key that started the flow: only that key may complete
   * it, and the session is bound to it. Null only for a flow started without a proof, which
   * `BFF_ALLOW_BEARER_HANDLES` allows.
   */
  dpopJkt: string | null;
}

export type SessionStatus = 'active' | 'reauth_required';

export interface SessionRecord {
  /** SHA-256 of the handle. */
  id: string;
  aspsp: string;
  scopes: BankScope[];
  /** Sealed `{ accessToken, refreshToken? }` (AES-256-GCM, bound to `id`). */
  tokens: string;
  accessExpiresAt: number;
  /** End of the consent (the refresh token's life): the customer must authenticate again. */
  consentExpiresAt: number;
  status: SessionStatus;
  /** Incremented by every update; updates name the version they read. */
  version: number;
  createdAt: number;
  updatedAt: number;
  /**
   * The thumbprint of the browser key the handle is bound to (RFC 9449 §6): every call must
   * carry a proof signed by it. Null for an unbound handle (before binding, or migration).
   */
  dpopJkt: string | null;
}

export type SessionPatch = Partial<
  Pick<
    SessionRecord,
    'scopes' | 'tokens' | 'accessExpiresAt' | 'consentExpiresAt' | 'status' | 'dpopJkt'
  >
>;

/**
 * Counters shared by every instance on one store, for limits that must hold across instances
 * (the flows one address may start).
 */
export interface HitCounter {
  /** Counts a hit on `key`; its window of `windowMs` starts with its first hit. */
  countHit(key: string, windowMs: number): Promise<{ totalHits: number; resetTime: Date }>;
  /** Takes a hit back. */
  forgetHit(key: string): Promise<void>;
  /** Starts `key` afresh. */
  resetHits(key: string): Promise<void>;
}

/** A position among the sessions ordered by the end of their consent, then by id. */
export interface SessionCursor {
  consentExpiresAt: number;
  id: string;
}

export interface SessionStore {
  /**
   * Shared counters, for a store that several instances share; a store without them serves a
   * single instance, which counts in process.
   */
  readonly hitCounter?: HitCounter;
  /**
   * The lock that keeps refreshes of one session single-flight across every instance sharing this
   * store; a store without one serves a single instance, which locks in process.
   */
  readonly refreshLock?: RefreshLock;
  /** The partner-server API's read counts and cached answers, shared like the sessions. */
  readonly sync: SyncStore;
  /**
   * The webhook outbox, kept in the same backend so that it survives restarts and is shared by
   * the same instances; a store without one cannot send webhooks.
   */
  readonly outbox?: Outbox;
  insertFlow(flow: FlowRecord): Promise<void>;
  getFlow(id: string): Promise<FlowRecord | undefined>;
  findFlowByStateHash(stateHash: string): Promise<FlowRecord | undefined>;
  /** Moves a flow from `from` to `patch.status`; false if it was not in `from` any more. */
  transitionFlow(
    id: string,
    from: FlowStatus,
    patch: Partial<Pick<FlowRecord, 'status' | 'completion'>>,
  ): Promise<boolean>;
  insertSession(session: SessionRecord): Promise<void>;
  getSession(id: string): Promise<SessionRecord | undefined>;
  /** Applies `patch` if the session is still at `version`; false if another update came first. */
  updateSession(id: string, version: number, patch: SessionPatch): Promise<boolean>;
  deleteSession(id: string): Promise<boolean>;
  /**
   * Up to `limit` sessions whose consent ends after `after` (by end, then id) and no later than
   * `until`, in that order: a cursor can page through them (the webhooks' expiry scheduler, the
   * partner-server API's session list). A renewal only moves a session later in this order.
   */
  listSessionsEndingBetween(
    after: SessionCursor,
    until: number,
    limit: number,
  ): Promise<SessionRecord[]>;
  /**
   * Records a DPoP proof's id (a hash of its key and `jti`) until `expiresAt`: true the first
   * time, false when any instance sharing the store recorded it already (a replay).
   */
  recordProof(id: string, expiresAt: number): Promise<boolean>;
  /** Deletes flows and sessions past their retention. */
  purgeExpired(now: number): Promise<void>;
  /** Throws if the store cannot serve requests (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** How long a session stays after its consent ended, so the customer can still reconnect it. */
export const SESSION_RETENTION_AFTER_CONSENT_MS = 30 * 86_400_000;
/** How long a finished or expired flow stays, to recognise replays. */
export const FLOW_RETENTION_MS = 3_600_000;
/** PSD2 RTS art. 36(5): reads without the customer are counted over a rolling 24 hours. */
export const UNATTENDED_WINDOW_MS = 86_400_000;
