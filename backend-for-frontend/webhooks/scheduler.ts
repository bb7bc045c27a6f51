/**
 * The consent-end scheduler: records `session.expiring` when a session's consent enters the
 * warning window (`BFF_CONSENT_WARNING_DAYS` before its end), and `session.reauth_required` when
 * it reaches its end, for consents that end by time with no request to notice it.
 *
 * One instance at a time runs it (a lease in the outbox's store: Redis for several instances),
 * and exactly once per session and window holds even if two runs overlap (a lease lost to a long
 * pause): each event's id is derived from the session and its consent's end, and the outbox
 * records an id once. A renewal moves the consent's end, and so opens a new window.
 *
 * The scan is bounded by two cursors kept in the outbox's store, one per event: positions among
 * the sessions ordered by consent end (then id). Each run reads only the sessions whose end
 * passed into the window (or past the end) since the last run, page by page, and moves the
 * cursor past them: a run costs what changed, not every session. A session whose consent starts
 * already inside the window (a short consent, or a warning longer than the consent) is behind
 * the cursor from its start: the flow service records its `session.expiring` when it connects.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { SessionCursor, SessionRecord, SessionStore } from '../sessions/store.js';
import type { Outbox } from './outbox.js';
import type { SessionEvents } from './session-events.js';

const LEASE = 'consent-end-scheduler';
const LEASE_MS = 60_000;
const DEFAULT_INTERVAL_MS = 60_000;
const DEFAULT_PAGE_SIZE = 200;

export interface ConsentEndSchedulerOptions {
  store: Pick<SessionStore, 'listSessionsEndingBetween'>;
  outbox: Outbox;
  events: SessionEvents;
  logger: Logger;
  now: () => number;
  /** Days before a consent's end from which it is `expiring` (0: no `session.expiring`). */
  consentWarningDays: number;
  /** How often it runs (0: only when run). */
  intervalMs?: number;
  pageSize?: number;
}

/** What one run recorded; `skipped` when another instance holds the lease. */
export interface ScheduleReport {
  skipped: boolean;
  expiring: number;
  ended: number;
}

export class ConsentEndScheduler {
  readonly #options: ConsentEndSchedulerOptions;
  /** This instance's name for the lease. */
  readonly #owner = randomBytes(12).toString('base64url');
  #running: Promise<ScheduleReport> = Promise.resolve({ skipped: true, expiring: 0, ended: 0 });
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: ConsentEndSchedulerOptions) {
    this.#options = options;
  }

  start(): void {
    const interval = this.#options.intervalMs ?? DEFAULT_INTERVAL_MS;
    if (this.#timer || this.#closed || interval === 0) return;
    this.#timer = setInterval(() => {
      this.runOnce().catch((error: unknown) =>
        this.#options.logger.warn({ err: error }, 'the consent-end scheduler failed'),
      );
    }, interval);
    this.#timer.unref();
  }

  /** Runs once now, after the run in progress if there is one. */
  runOnce(): Promise<ScheduleReport> {
    const run = this.#running.catch(() => undefined).then(() => this.#run());
    this.#running = run;
    return run;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#running.catch(() => undefined);
  }

  async #run(): Promise<ScheduleReport> {
    const { outbox, now: clock, consentWarningDays } = this.#options;
    const report: ScheduleReport = { skipped: true, expiring: 0, ended: 0 };
    if (this.#closed) return report;
    const now = clock();
    if (!(await outbox.acquireLease(LEASE, this.#owner, now, LEASE_MS))) return report;
    report.skipped = false;
    try {
      report.ended = await this.#sweep('ended', now, now, (record) =>
        this.#options.events.record(
          { type: 'session.reauth_required', reason: 'consent_expired' },
          record,
          'reauth_required',
        ),
      );
      if (consentWarningDays > 0) {
        report.expiring = await this.#sweep(
          'expiring',
          now,
          now + consentWarningDays * 86_400_000,
          (record) => this.#options.events.record({ type: 'session.expiring' }, record, 'expiring'),
        );
      }
    } finally {
      await outbox.releaseLease(LEASE, this.#owner).catch(() => undefined);
    }
    return report;
  }

  /**
   * Records `record` for every active session whose consent ends after the cursor `name` and by
   * `until`, page by page, moving the cursor as it goes. A first run starts at `now`: consents
   * that ended before webhooks were set up are not news. The `expiring` cursor never lags behind
   * `now` (consents that ended while no instance ran are no longer expiring: the `ended` sweep
   * has them).
   */
  async #sweep(
    name: string,
    now: number,
    until: number,
    record: (session: SessionRecord) => Promise<void>,
  ): Promise<number> {
    const { outbox, store, pageSize = DEFAULT_PAGE_SIZE } = this.#options;
    const stored = await outbox.readCursor(name);
    const start = { consentExpiresAt: now, id: '' };
    let cursor: SessionCursor =
      stored && (name === 'ended' || stored.consentExpiresAt >= now) ? stored : start;
    let recorded = 0;
    for (;;) {
      const page = await store.listSessionsEndingBetween(cursor, until, pageSize);
      for (const session of page) {
        if (session.status !== 'active') continue;
        await record(session);
        recorded += 1;
      }
      const last = page.at(-1);
      if (last) cursor = { consentExpiresAt: last.consentExpiresAt, id: last.id };
      // Written even when nothing moved it: a first run's start is where the next one resumes.
      if (last || cursor !== stored) await outbox.writeCursor(name, cursor);
      if (page.length < pageSize || this.#closed) return recorded;
    }
  }
}
