/**
 * Fourmi's server syncing its customers' banks while they are away, as a partner would run it
 * every night: it lists the sessions through the BFF's partner-server API with its partner key,
 * and reads each one's accounts and their balances. The BFF decides whether a read reaches the
 * bank (four a day per resource, PSD2 RTS art. 36(5)) or answers its sealed cache; Fourmi keeps
 * what it learnt of each sync to show the customer when they come back.
 */
import { fetch } from 'undici';
import type {
  AccountList,
  BalanceList,
  PartnerSession,
  PartnerSessionList,
  SyncInfo,
} from '../backend-for-frontend/contract/index.js';
import type { DemoClock } from './clock.js';

/** What Fourmi shows of a session's last sync. */
export interface SyncRecord {
  sessionId: string;
  aspsp: string;
  /** When Fourmi's server ran the sync, by the demo's clock. */
  syncedAt: string;
  /** `bank` when every read reached the bank, else `cache`. */
  source: SyncInfo['source'];
  /** The oldest data of the sync. */
  asOf: string;
  accounts: number;
  /** The fewest reads left among the resources read. */
  remaining: number;
  /** The error code, when the sync failed for this session. */
  error?: string;
}

interface Synced<T> {
  data: T;
  sync: SyncInfo;
}

export class PartnerSync {
  readonly #bffUrl: string;
  readonly #key: string;
  readonly #clock: DemoClock;
  readonly #last = new Map<string, SyncRecord>();

  constructor(options: { bffUrl: string; key: string; clock: DemoClock }) {
    this.#bffUrl = options.bffUrl;
    this.#key = options.key;
    this.#clock = options.clock;
  }

  async #get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.#bffUrl}/partner/v1${path}`, {
      headers: { Authorization: `Bearer ${this.#key}` },
    });
    const body = (await response.json()) as T & { error?: string };
    if (!response.ok) throw new SyncError(body.error ?? `http_${response.status}`);
    return body;
  }

  /** Every session, page after page. */
  async listSessions(): Promise<PartnerSession[]> {
    const sessions: PartnerSession[] = [];
    let cursor: string | null = null;
    do {
      const page: PartnerSessionList = await this.#get(
        `/sessions?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
      );
      sessions.push(...page.sessions);
      cursor = page.nextCursor;
    } while (cursor);
    return sessions;
  }

  async #syncOne(session: PartnerSession): Promise<SyncRecord> {
    const base = `/sessions/${session.id}`;
    const accounts = await this.#get<Synced<AccountList>>(`${base}/accounts`);
    const reads: SyncInfo[] = [accounts.sync];
    for (const account of accounts.data.accounts) {
      const balances = await this.#get<Synced<BalanceList>>(
        `${base}/accounts/${encodeURIComponent(account.id)}/balances`,
      );
      reads.push(balances.sync);
    }
    return {
      sessionId: session.id,
      aspsp: session.aspsp,
      syncedAt: new Date(this.#clock.now()).toISOString(),
      source: reads.every((read) => read.source === 'bank') ? 'bank' : 'cache',
      asOf: reads.map((read) => read.asOf).sort()[0] ?? accounts.sync.asOf,
      accounts: accounts.data.accounts.length,
      remaining: Math.min(...reads.map((read) => read.budget.remaining)),
    };
  }

  /** Syncs every session whose consent has not ended; a failure is recorded, not thrown. */
  async syncAll(): Promise<SyncRecord[]> {
    const results: SyncRecord[] = [];
    for (const session of await this.listSessions()) {
      if (session.status === 'reauth_required') continue;
      let record: SyncRecord;
      try {
        record = await this.#syncOne(session);
      } catch (error) {
        if (!(error instanceof SyncError)) throw error;
        record = {
          ...(this.#last.get(session.id) ?? {
            source: 'cache',
            asOf: new Date(0).toISOString(),
            accounts: 0,
            remaining: 0,
          }),
          sessionId: session.id,
          aspsp: session.aspsp,
          syncedAt: new Date(this.#clock.now()).toISOString(),
          error: error.code,
        };
      }
      this.#last.set(session.id, record);
      results.push(record);
    }
    return results;
  }

  lastSync(sessionId: string): SyncRecord | undefined {
    return this.#last.get(sessionId);
  }
}

/** A partner-server API call that answered an error code. */
class SyncError extends Error {
  constructor(readonly code: string) {
    super(`the partner-server API answered ${code}`);
  }
}
