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
import { createHandle, hashSecret } from './handles.js';
import { InProcessRefreshLock, type RefreshLock } from './refresh-lock.js';
import type { TokenSealer } from './sealing.js';
import type { SessionRecord, SessionStore } from './store.js';

/** Refresh a little before the bank's expiry, so a token never expires in flight. */
const EXPIRY_MARGIN_MS = 30_000;
const UPDATE_ATTEMPTS = 5;

interface BankTokens {
  accessToken: string;
  refreshToken?: string;
}

export interface SessionServiceDeps {
  store: SessionStore;
  sealer: TokenSealer;
  banks: ReadonlyMap<string, BankClient>;
  logger: Logger;
  now?: () => number;
  /** Where refreshes and ended consents are counted, when the BFF keeps metrics. */
  metrics?: SessionMetrics | undefined;
}

export class SessionService {
  readonly #store: SessionStore;
  readonly #sealer: TokenSealer;
  readonly #banks: ReadonlyMap<string, BankClient>;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #refreshing = new Map<string, Promise<BankTokens>>();
  readonly #lock: RefreshLock;
  readonly #metrics: SessionMetrics | undefined;

  constructor(deps: SessionServiceDeps) {
    this.#store = deps.store;
    this.#sealer = deps.sealer;
    this.#banks = deps.banks;
    this.#logger = deps.logger;
    this.#now = deps.now ?? Date.now;
    this.#lock = deps.store.refreshLock ?? new InProcessRefreshLock();
    this.#metrics = deps.metrics;
  }

  #bank(aspsp: string): BankClient {
    return findBank(this.#banks, aspsp);
  }

  #open(record: SessionRecord): BankTokens {
    return JSON.parse(this.#sealer.open(record.tokens, record.id)) as BankTokens;
  }

  /** What a token response means for the session's expiry dates, at this bank. */
  #lifetimes(aspsp: string, tokens: TokenSet, now: number) {
    return this.#bank(aspsp).profile.readTokenLifetimes(tokens.expiresIn, now);
  }

  /** Stores a new session for freshly exchanged tokens and returns its handle. */
  async createSession(
    aspsp: string,
    tokens: TokenSet,
    requestedScopes: BankScope[],
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
    };
    await this.#store.insertSession(record);
    return { handle, record };
  }

  /** Puts fresh tokens into an existing session after a reconnect; the handle stays the same. */
  async renewSession(
    id: string,
    tokens: TokenSet,
    requestedScopes: BankScope[],
  ): Promise<SessionRecord> {
    return this.#update(id, (record) => ({
      scopes: tokens.scopes ?? requestedScopes,
      tokens: this.#sealer.seal(JSON.stringify(this.#pick(tokens)), record.id),
      ...this.#lifetimes(record.aspsp, tokens, this.#now()),
      status: 'active',
    }));
  }

  #pick(tokens: TokenSet): BankTokens {
    return tokens.refreshToken
      ? { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }
      : { accessToken: tokens.accessToken };
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
    const expired = record.consentExpiresAt <= this.#now();
    return {
      aspsp: record.aspsp,
      scopes: record.scopes,
      expiresAt: new Date(record.consentExpiresAt).toISOString(),
      status: expired ? 'reauth_required' : record.status,
    };
  }

  /**
   * Calls the bank with the session's access token: refreshes first when it is about to expire,
   * and on a 401 refreshes once and replays once.
   */
  async callBank(record: SessionRecord, request: BankRequest): Promise<BankResponse> {
    const bank = this.#bank(record.aspsp);
    this.#assertUsable(record);
    let tokens = this.#open(record);
    if (record.accessExpiresAt - EXPIRY_MARGIN_MS <= this.#now()) {
      tokens = await this.refresh(record.id, tokens.accessToken);
    }
    try {
      return await bank.requestResource({ ...request, accessToken: tokens.accessToken });
    } catch (error) {
      if (!hasCode(error, 'bank_unauthorized')) throw error;
    }
    tokens = await this.refresh(record.id, tokens.accessToken);
    try {
      return await bank.requestResource({ ...request, accessToken: tokens.accessToken });
    } catch (error) {
      if (!hasCode(error, 'bank_unauthorized')) throw error;
      await this.#markReauth(record.id, record.aspsp, 'token_refused');
      throw new BffError(
        'reauth_required',
        'the bank refuses the renewed token: authenticate again',
        {
          aspsp: record.aspsp,
          cause: error,
        },
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
    if (
      current.accessToken !== staleAccessToken &&
      record.accessExpiresAt - EXPIRY_MARGIN_MS > this.#now()
    ) {
      this.#metrics?.countRefresh(record.aspsp, 'shared');
      return current;
    }
    if (!current.refreshToken) {
      await this.#markReauth(id, record.aspsp, 'no_refresh_token');
      throw new BffError(
        'reauth_required',
        'the bank issues no refresh token: authenticate again',
        {
          aspsp: record.aspsp,
        },
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
    };
    const now = this.#now();
    await this.#update(id, (latest) => ({
      tokens: this.#sealer.seal(JSON.stringify(next), latest.id),
      accessExpiresAt: profile.readAccessExpiry(fresh.expiresIn, now),
      ...(fresh.scopes ? { scopes: fresh.scopes } : {}),
    }));
    this.#logger.info(
      { aspsp: record.aspsp, rotated: fresh.refreshToken !== undefined },
      'refreshed bank tokens',
    );
    return next;
  }

  async #markReauth(id: string, aspsp: string, reason: ReauthReason): Promise<void> {
    this.#metrics?.countReauthRequired(aspsp, reason);
    await this.#update(id, () => ({ status: 'reauth_required' })).catch(() => undefined);
  }

  /** Forgets a session, revoking its tokens at the bank where the bank offers revocation. */
  async endSession(record: SessionRecord): Promise<void> {
    const bank = this.#banks.get(record.aspsp);
    await this.#store.deleteSession(record.id);
    if (!bank?.aspsp.revocationEndpoint) return;
    const tokens = this.#open(record);
    await bank.revokeToken(tokens.refreshToken ?? tokens.accessToken).catch((error: unknown) => {
      this.#logger.warn(
        { aspsp: record.aspsp, code: (error as BffError).code },
        'could not revoke at the bank',
      );
    });
  }
}
