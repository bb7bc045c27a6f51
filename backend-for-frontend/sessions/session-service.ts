/**
 * Sessions and their bank tokens: creating them after a code exchange, calling the bank with
 * them, refreshing them, and ending them.
 *
 * Refresh is single-flight per session (RFC 10017 §6.1: refresh inline before forwarding): N
 * concurrent requests on an expired token cause one refresh call, because banks that rotate
 * refresh tokens treat a second use of the old one as theft and end the consent. The new refresh
 * token is written to the store before any request uses the new access token (RFC 6749 §6: the
 * old one must be discarded).
 *
 * Two layers keep it single-flight: a promise map merges the requests of this instance, and the
 * store's refresh lock (refresh-lock.ts: a Redis lease when several instances share a Redis
 * store) lets one instance at a time refresh. Whoever gets the lock re-reads the session first, so
 * an instance that waited for another's refresh uses its result instead of refreshing again.
 */
import type { Logger } from 'pino';
import type { BankScope, SessionInfo } from '../contract/index.js';
import { BffError, hasCode } from '../errors.js';
import { readOutcome, type ReauthReason, type SessionMetrics } from '../metrics.js';
import { findBank, type BankClient } from '../stet/bank-client.js';
import type { BankRequest, BankResponse } from '../stet/resource-client.js';
import type { TokenSet } from '../stet/token-client.js';
import type { SessionEvents } from '../webhooks/session-events.js';
import { createHandle, hashSecret, toPublicSessionId } from './handles.js';
import { InProcessRefreshLock, type RefreshLock } from './refresh-lock.js';
import type { TokenSealer } from './sealing.js';
import type { SessionRecord, SessionStore } from './store.js';

/** Refresh a little before the bank's expiry, so a token never expires in flight. */
const EXPIRY_MARGIN_MS = 30_000;
const UPDATE_ATTEMPTS = 5;
/** Unsealed token sets kept in memory (`#open`), oldest out first. */
const UNSEALED_CACHE_SIZE = 10_000;

interface BankTokens {
  accessToken: string;
  refreshToken?: string;
  /**
   * The SHA-256 thumbprint of the QWAC the tokens were issued to (RFC 8705 §3.1): a bank refuses
   * them over any other certificate. Absent from sessions created before it was recorded.
   */
  qwac?: string;
}

/** Where `#open` keeps a record's unsealed tokens: the sealed value, never the session alone. */
function unsealedKey(record: SessionRecord): string {
  return `${record.id}.${record.tokens}`;
}

export interface SessionServiceDeps {
  store: SessionStore;
  sealer: TokenSealer;
  banks: ReadonlyMap<string, BankClient>;
  logger: Logger;
  /** The thumbprint of the QWAC the BFF presents now (`config.qwac.thumbprint`). */
  qwacThumbprint: string;
  /** The thumbprint of the QWAC the current one replaced, if still configured. */
  previousQwacThumbprint?: string | undefined;
  /** Days before a consent's end from which its session is `expiring` (0: never). */
  consentWarningDays?: number;
  now?: () => number;
  /** Where refreshes and ended consents are counted, when the BFF keeps metrics. */
  metrics?: SessionMetrics | undefined;
  /** Where ended sessions are recorded as webhook events. */
  events?: SessionEvents | undefined;
}

export class SessionService {
  readonly #store: SessionStore;
  readonly #sealer: TokenSealer;
  readonly #banks: ReadonlyMap<string, BankClient>;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #qwac: string;
  readonly #previousQwac: string | undefined;
  readonly #warningMs: number;
  readonly #refreshing = new Map<string, Promise<BankTokens>>();
  readonly #unsealed = new Map<string, Readonly<BankTokens>>();
  readonly #lock: RefreshLock;
  readonly #metrics: SessionMetrics | undefined;
  readonly #events: SessionEvents | undefined;

  constructor(deps: SessionServiceDeps) {
    this.#store = deps.store;
    this.#sealer = deps.sealer;
    this.#banks = deps.banks;
    this.#logger = deps.logger;
    this.#now = deps.now ?? Date.now;
    this.#qwac = deps.qwacThumbprint;
    this.#previousQwac = deps.previousQwacThumbprint;
    this.#warningMs = (deps.consentWarningDays ?? 0) * 86_400_000;
    this.#lock = deps.store.refreshLock ?? new InProcessRefreshLock();
    this.#metrics = deps.metrics;
    this.#events = deps.events;
  }

  #bank(aspsp: string): BankClient {
    return findBank(this.#banks, aspsp);
  }

  /**
   * The record's tokens, unsealed. Every call reads its record from the store afresh, so a
   * deleted or ended session is never served from here; what is kept is only the decryption of
   * one sealed value, keyed by that value itself (a fresh IV each seal), which nothing can change
   * under the key. It saves an AES-GCM decipher and a JSON parse per call.
   */
  #open(record: SessionRecord): BankTokens {
    const key = unsealedKey(record);
    const kept = this.#unsealed.get(key);
    if (kept) return kept;
    const tokens = Object.freeze(this.#unseal(record));
    if (this.#unsealed.size >= UNSEALED_CACHE_SIZE) {
      this.#unsealed.delete(this.#unsealed.keys().next().value as string);
    }
    this.#unsealed.set(key, tokens);
    return tokens;
  }

  #unseal(record: SessionRecord): BankTokens {
    return JSON.parse(this.#sealer.open(record.tokens, record.id)) as BankTokens;
  }

  /** What a token response means for the session's expiry dates, at this bank. */
  #lifetimes(aspsp: string, tokens: TokenSet, now: number) {
    return this.#bank(aspsp).profile.readTokenLifetimes(tokens.expiresIn, now);
  }

  /**
   * Stores a new session for freshly exchanged tokens and returns its handle, bound to the DPoP
   * key `dpopJkt` names (null: unbound, where `BFF_ALLOW_BEARER_HANDLES` allows it).
   */
  async createSession(
    aspsp: string,
    tokens: TokenSet,
    requestedScopes: BankScope[],
    dpopJkt: string | null = null,
  ): Promise<{ handle: string; record: SessionRecord }> {
    const handle = createHandle();
    const id = hashSecret(handle);
    const now = this.#now();
    const record: SessionRecord = {
      id,
      aspsp,
      scopes: tokens.scopes ?? requestedScopes,
      tokens: this.#sealer.seal(JSON.stringify(this.#pick(tokens)), id),
      ...this.#lifetimes(aspsp, tokens, now),
      status: 'active',
      version: 1,
      createdAt: now,
      updatedAt: now,
      dpopJkt,
    };
    await this.#store.insertSession(record);
    return { handle, record };
  }

  /**
   * Puts fresh tokens into an existing session after a reconnect; the handle stays the same. An
   * unbound session (from before binding) is bound here to the key that renewed it: the customer
   * has just authenticated at the bank from that browser.
   */
  async renewSession(
    id: string,
    tokens: TokenSet,
    requestedScopes: BankScope[],
    dpopJkt: string | null = null,
  ): Promise<SessionRecord> {
    return this.#update(id, (record) => ({
      scopes: tokens.scopes ?? requestedScopes,
      tokens: this.#sealer.seal(JSON.stringify(this.#pick(tokens)), record.id),
      ...this.#lifetimes(record.aspsp, tokens, this.#now()),
      status: 'active',
      ...(record.dpopJkt === null && dpopJkt !== null ? { dpopJkt } : {}),
    }));
  }

  /** What is sealed of a token response: the tokens and the QWAC they are bound to. */
  #pick(tokens: TokenSet): BankTokens {
    return {
      accessToken: tokens.accessToken,
      ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
      qwac: this.#qwac,
    };
  }

  /** Whether the tokens were issued to another QWAC than the one the BFF presents now. */
  #boundElsewhere(tokens: BankTokens): boolean {
    return tokens.qwac !== undefined && tokens.qwac !== this.#qwac;
  }

  /**
   * The QWAC to present with the tokens: the previous one for tokens bound to it that no refresh
   * can rebind (the bank issues no refresh token), while it is configured; else the current one.
   */
  #presentedQwac(tokens: BankTokens): 'current' | 'previous' {
    const bound = tokens.qwac !== undefined && tokens.qwac === this.#previousQwac;
    return bound && !tokens.refreshToken ? 'previous' : 'current';
  }

  /**
   * Whether the tokens must be refreshed before any use: about to expire, or bound to another
   * QWAC than the one they will be presented with.
   */
  #stale(record: SessionRecord, tokens: BankTokens): boolean {
    if (record.accessExpiresAt - EXPIRY_MARGIN_MS <= this.#now()) return true;
    return this.#boundElsewhere(tokens) && this.#presentedQwac(tokens) === 'current';
  }

  /** Applies a patch computed from the latest record, retrying if another update came first. */
  async #update(
    id: string,
    compute: (record: SessionRecord) => Parameters<SessionStore['updateSession']>[2],
  ): Promise<SessionRecord> {
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const record = await this.#store.getSession(id);
      if (!record) throw new BffError('session_required', 'the session no longer exists');
      const patch = compute(record);
      if (await this.#store.updateSession(id, record.version, patch)) {
        return { ...record, ...patch, version: record.version + 1 };
      }
    }
    throw new BffError('internal_error', 'the session kept changing under an update');
  }

  /** Finds a session by its handle, or throws `session_required`. */
  async findSession(handle: string): Promise<SessionRecord> {
    const record = await this.#store.getSession(hashSecret(handle));
    if (!record) throw new BffError('session_required', 'no session for this handle');
    return record;
  }

  /** What the page may know of a session: never a token. */
  describe(record: SessionRecord): SessionInfo {
    return {
      id: toPublicSessionId(record.id),
      aspsp: record.aspsp,
      scopes: record.scopes,
      expiresAt: new Date(record.consentExpiresAt).toISOString(),
      status: this.#statusOf(record),
    };
  }

  /**
   * The session's status as the page and the partner see it: `reauth_required` once the consent
   * has ended, `expiring` within the warning window before its end, else `active`.
   */
  #statusOf(record: SessionRecord): SessionInfo['status'] {
    const left = record.consentExpiresAt - this.#now();
    if (record.status === 'reauth_required' || left <= 0) return 'reauth_required';
    return left <= this.#warningMs ? 'expiring' : 'active';
  }

  /**
   * Calls the bank with the session's access token. Refreshes first when the token is about to
   * expire or was issued to a QWAC since renewed (unless it has no refresh token and the previous
   * QWAC is still configured: then it is presented with that one). When the bank refuses the
   * token (a 401, or a 403 for a token whose QWAC is not recorded: some banks answer a binding
   * mismatch so), it refreshes once and replays once, never more.
   *
   * Only the bank's verdict at the token endpoint ends a consent. A refused replay after a
   * successful refresh is a fault on this side (the QSealC, a signature, the clock), which a new
   * consent would not fix: a `bank_error`, and the session stays active.
   */
  async callBank(record: SessionRecord, request: BankRequest): Promise<BankResponse> {
    const bank = this.#bank(record.aspsp);
    this.#assertUsable(record);
    let tokens = this.#open(record);
    if (this.#stale(record, tokens)) tokens = await this.refresh(record.id, tokens.accessToken);
    try {
      return await bank.requestResource(
        { ...request, accessToken: tokens.accessToken },
        this.#presentedQwac(tokens),
      );
    } catch (error) {
      const mayBeBinding = tokens.qwac === undefined && hasCode(error, 'access_denied');
      if (!hasCode(error, 'bank_unauthorized') && !mayBeBinding) throw error;
    }
    tokens = await this.refresh(record.id, tokens.accessToken);
    try {
      return await bank.requestResource(
        { ...request, accessToken: tokens.accessToken },
        this.#presentedQwac(tokens),
      );
    } catch (error) {
      if (!hasCode(error, 'bank_unauthorized')) throw error;
      this.#logger.warn(
        { aspsp: record.aspsp, code: 'bank_error', bankMessage: error.bankMessage },
        'the bank refuses a freshly refreshed access token: check the QWAC, the QSealC and the clock',
      );
      throw new BffError(
        'bank_error',
        'the bank refuses a freshly refreshed access token: the BFF’s certificates or clock are at fault',
        { aspsp: record.aspsp, cause: error },
      );
    }
  }

  #assertUsable(record: SessionRecord): void {
    if (record.status === 'reauth_required' || record.consentExpiresAt <= this.#now()) {
      throw new BffError('reauth_required', 'the consent has ended: authenticate again', {
        aspsp: record.aspsp,
      });
    }
  }

  /**
   * Refreshes the session's tokens once, however many requests ask at the same time. A caller
   * whose token was already replaced by another refresh gets the new one without a bank call.
   */
  refresh(id: string, staleAccessToken: string): Promise<BankTokens> {
    const running = this.#refreshing.get(id);
    if (running) return running;
    const refresh = this.#refreshNow(id, staleAccessToken).finally(() =>
      this.#refreshing.delete(id),
    );
    this.#refreshing.set(id, refresh);
    return refresh;
  }

  async #refreshNow(id: string, staleAccessToken: string): Promise<BankTokens> {
    const release = await this.#lock.acquire(id);
    try {
      return await this.#refreshLocked(id, staleAccessToken);
    } finally {
      // Only now: the new refresh token is in the store before another instance may read it.
      await release();
    }
  }

  /** The refresh itself, under the session's lock; reads the session afresh. */
  async #refreshLocked(id: string, staleAccessToken: string): Promise<BankTokens> {
    const record = await this.#store.getSession(id);
    if (!record) throw new BffError('session_required', 'the session no longer exists');
    this.#assertUsable(record);
    const current = this.#open(record);
    if (current.accessToken !== staleAccessToken && !this.#stale(record, current)) {
      this.#metrics?.countRefresh(record.aspsp, 'shared');
      return current;
    }
    if (!current.refreshToken) {
      await this.#markReauth(id, record.aspsp, 'no_refresh_token');
      throw new BffError(
        'reauth_required',
        this.#boundElsewhere(current)
          ? 'the TPP’s QWAC was renewed and this bank issues no refresh token: authenticate again'
          : 'the bank issues no refresh token: authenticate again',
        { aspsp: record.aspsp },
      );
    }
    let fresh: TokenSet;
    try {
      fresh = await this.#bank(record.aspsp).refreshTokens(current.refreshToken);
      this.#metrics?.countRefresh(record.aspsp, 'ok');
    } catch (error) {
      this.#metrics?.countRefresh(record.aspsp, readOutcome(error));
      if (hasCode(error, 'reauth_required'))
        await this.#markReauth(id, record.aspsp, 'refresh_refused');
      throw error;
    }
    const profile = this.#bank(record.aspsp).profile;
    const refreshToken = profile.chooseRefreshToken(current.refreshToken, fresh.refreshToken);
    const next: BankTokens = {
      accessToken: fresh.accessToken,
      ...(refreshToken ? { refreshToken } : {}),
      qwac: this.#qwac,
    };
    const now = this.#now();
    await this.#update(id, (latest) => ({
      tokens: this.#sealer.seal(JSON.stringify(next), latest.id),
      accessExpiresAt: profile.readAccessExpiry(fresh.expiresIn, now),
      ...(fresh.scopes ? { scopes: fresh.scopes } : {}),
    }));
    // The replaced tokens leave memory too (`#open` keeps them).
    this.#unsealed.delete(unsealedKey(record));
    this.#logger.info(
      {
        aspsp: record.aspsp,
        rotated: fresh.refreshToken !== undefined,
        qwacRenewed: this.#boundElsewhere(current),
      },
      'refreshed bank tokens',
    );
    return next;
  }

  /**
   * Marks the session `reauth_required`, and records why for the partner: a refresh the bank
   * refused before the consent's planned end is the consent withdrawn at the bank
   * (`session.revoked`, by the bank); the consent's end, or no refresh token to go on, is
   * `session.reauth_required`.
   */
  async #markReauth(id: string, aspsp: string, reason: ReauthReason): Promise<void> {
    this.#metrics?.countReauthRequired(aspsp, reason);
    const marked = await this.#update(id, () => ({ status: 'reauth_required' })).catch(
      () => undefined,
    );
    if (!marked || !this.#events) return;
    const beforeEnd = this.#now() < marked.consentExpiresAt;
    await this.#events.record(
      reason === 'refresh_refused' && beforeEnd
        ? { type: 'session.revoked', by: 'bank' }
        : {
            type: 'session.reauth_required',
            reason: reason === 'no_refresh_token' ? 'no_refresh_token' : 'consent_expired',
          },
      marked,
      'reauth_required',
    );
  }

  /**
   * Forgets a session and the data kept for the partner's server, revoking its tokens at the bank
   * where the bank offers revocation; `by` is who asked, for the `session.revoked` webhook.
   */
  async endSession(record: SessionRecord, by: 'customer' | 'partner' = 'customer'): Promise<void> {
    const bank = this.#banks.get(record.aspsp);
    const deleted = await this.#store.deleteSession(record.id);
    await this.#store.sync.forgetSession(record.id);
    // Only the request that deleted it: a concurrent second DELETE is no second event.
    if (deleted) {
      await this.#events?.record({ type: 'session.revoked', by }, record, 'active');
    }
    // Its tokens leave memory with it (`#open` keeps them). They are unsealed only to be revoked:
    // a session whose seal no longer opens (its key retired) still ends at a bank without revocation.
    const key = unsealedKey(record);
    const kept = this.#unsealed.get(key);
    this.#unsealed.delete(key);
    if (!bank?.aspsp.revocationEndpoint) return;
    const tokens = kept ?? this.#unseal(record);
    await bank.revokeToken(tokens.refreshToken ?? tokens.accessToken).catch((error: unknown) => {
      this.#logger.warn(
        { aspsp: record.aspsp, code: (error as BffError).code },
        'could not revoke at the bank',
      );
    });
  }
}
