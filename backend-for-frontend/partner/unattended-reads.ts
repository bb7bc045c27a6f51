/**
 * Reads of the customer's data without the customer, within PSD2 RTS art. 36(5): at most four
 * per resource and consent in a rolling 24 hours reach the bank. Further reads answer the last
 * answer, sealed in the store with the time it was read (`asOf`), and say how many reads are left
 * and when the next frees up. A read by the customer's own page is not counted, and refreshes
 * that cache.
 *
 * The count is kept in the session store, atomically (sync-store.ts), so it holds across every
 * instance and survives restarts; a read is counted before it is sent, and a failed one stays
 * counted, since the bank may have counted it too. Concurrent identical reads on one instance
 * share one bank call.
 */
import type { Logger } from 'pino';
import type { SyncInfo } from '../contract/index.js';
import { BffError, hasCode } from '../errors.js';
import type { TokenSealer } from '../sessions/sealing.js';
import {
  SESSION_RETENTION_AFTER_CONSENT_MS,
  UNATTENDED_WINDOW_MS,
  type SessionRecord,
} from '../sessions/store.js';
import type { ReadBudget, SyncStore } from '../sessions/sync-store.js';
import type { ReadKey } from '../routes/account-reads.js';

/** PSD2 RTS art. 36(5)(b): "no more than four times in a 24-hour period". */
export const UNATTENDED_READS_PER_DAY = 4;
/** How long a cached answer is kept at most: a month of daily date ranges stays bounded. */
const CACHE_RETENTION_MS = 31 * 86_400_000;

export interface UnattendedReadsDeps {
  sync: SyncStore;
  sealer: TokenSealer;
  logger: Logger;
  now: () => number;
  /** Told once a read finds the budget of its resource spent (for `sync.budget_exhausted`). */
  onExhausted?: (record: SessionRecord, resource: string, resetsAt: number) => void;
}

export interface SyncedRead<T> {
  data: T;
  sync: SyncInfo;
}

export class UnattendedReads {
  readonly #deps: UnattendedReadsDeps;
  readonly #running = new Map<string, Promise<SyncedRead<unknown>>>();

  constructor(deps: UnattendedReadsDeps) {
    this.#deps = deps;
  }

  #sealingContext(record: SessionRecord, cacheKey: string): string {
    return `sync:${record.id}:${cacheKey}`;
  }

  #describe(source: 'bank' | 'cache', asOf: number, budget: ReadBudget): SyncInfo {
    return {
      source,
      asOf: new Date(asOf).toISOString(),
      budget: {
        limit: budget.limit,
        remaining: budget.remaining,
        resetsAt: budget.resetsAt === null ? null : new Date(budget.resetsAt).toISOString(),
      },
    };
  }

  /**
   * Reads through the bank while the resource's budget lasts, else from the cache; without a
   * cached answer, `unattended_limit_reached` with the seconds until a read frees up.
   */
  read<T>(
    record: SessionRecord,
    key: ReadKey,
    fetch: () => Promise<T>,
    bankServesUnattended = true,
  ): Promise<SyncedRead<T>> {
    const id = `${record.id} ${key.cacheKey}`;
    const running = this.#running.get(id);
    if (running) return running as Promise<SyncedRead<T>>;
    const read = (
      bankServesUnattended ? this.#read(record, key, fetch) : this.#cachedOnly<T>(record, key)
    ).finally(() => this.#running.delete(id));
    this.#running.set(id, read);
    return read;
  }

  async #read<T>(record: SessionRecord, key: ReadKey, fetch: () => Promise<T>) {
    const { sync, now } = this.#deps;
    const budget = await sync.reserveRead(
      record.id,
      key.resource,
      now(),
      UNATTENDED_READS_PER_DAY,
      UNATTENDED_WINDOW_MS,
    );
    if (budget.granted) {
      try {
        const data = await fetch();
        const asOf = now();
        await this.#keep(record, key.cacheKey, data, asOf);
        return { data, sync: this.#describe('bank', asOf, budget) };
      } catch (error) {
        // The bank counts differently (a read we did not see): its refusal is a spent budget.
        if (!hasCode(error, 'bank_rate_limited')) throw error;
        this.#deps.logger.warn(
          { aspsp: record.aspsp, code: 'bank_rate_limited', resource: key.resource },
          'the bank refused an unattended read that the budget allowed: serving the cache',
        );
        return this.#fromCache<T>(record, key, { ...budget, remaining: 0 }, error);
      }
    }
    return this.#fromCache<T>(record, key, budget);
  }

  /** A bank that serves no read without the customer: only what the customer's page read. */
  async #cachedOnly<T>(record: SessionRecord, key: ReadKey): Promise<SyncedRead<T>> {
    const entry = await this.#deps.sync.getCache(record.id, key.cacheKey);
    if (!entry) {
      throw new BffError(
        'access_denied',
        'this bank serves no read without the customer, and the customer’s page has not read this yet',
        { aspsp: record.aspsp },
      );
    }
    return {
      data: this.#open<T>(record, key, entry.sealed),
      sync: this.#describe('cache', entry.asOf, { limit: 0, remaining: 0, resetsAt: null }),
    };
  }

  #open<T>(record: SessionRecord, key: ReadKey, sealed: string): T {
    return JSON.parse(
      this.#deps.sealer.open(sealed, this.#sealingContext(record, key.cacheKey)),
    ) as T;
  }

  async #fromCache<T>(
    record: SessionRecord,
    key: ReadKey,
    budget: ReadBudget,
    bankRefusal?: BffError,
  ): Promise<SyncedRead<T>> {
    const now = this.#deps.now();
    const resetsAt = budget.resetsAt ?? now + UNATTENDED_WINDOW_MS;
    this.#deps.onExhausted?.(record, key.resource, resetsAt);
    const entry = await this.#deps.sync.getCache(record.id, key.cacheKey);
    if (!entry) {
      if (bankRefusal) throw bankRefusal;
      throw new BffError(
        'unattended_limit_reached',
        `${UNATTENDED_READS_PER_DAY} reads of this resource without the customer in 24 hours already reached the bank, and none is cached yet`,
        { aspsp: record.aspsp, retryAfter: Math.max(1, Math.ceil((resetsAt - now) / 1000)) },
      );
    }
    return {
      data: this.#open<T>(record, key, entry.sealed),
      sync: this.#describe('cache', entry.asOf, budget),
    };
  }

  async #keep(record: SessionRecord, cacheKey: string, data: unknown, asOf: number) {
    const sealed = this.#deps.sealer.seal(
      JSON.stringify(data),
      this.#sealingContext(record, cacheKey),
    );
    const expiresAt = Math.min(
      asOf + CACHE_RETENTION_MS,
      record.consentExpiresAt + SESSION_RETENTION_AFTER_CONSENT_MS,
    );
    await this.#deps.sync.putCache(record.id, cacheKey, { sealed, asOf }, expiresAt);
  }

  /**
   * Keeps the answer of a read the customer's page made: the freshest data, not counted. In the
   * background: the page's answer does not wait for it, and a failure is only logged.
   */
  remember(record: SessionRecord, key: ReadKey, data: unknown): void {
    this.#keep(record, key.cacheKey, data, this.#deps.now()).catch((error: unknown) => {
      this.#deps.logger.warn(
        { code: hasCode(error, 'session_store_unavailable') ? error.code : 'internal_error' },
        'could not keep a read in the sync cache',
      );
    });
  }
}
