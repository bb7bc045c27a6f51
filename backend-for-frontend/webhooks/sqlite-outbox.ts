/**
 * The outbox in the SQLite session store's file. Claims run in an IMMEDIATE transaction, which
 * takes SQLite's write lock before reading: two processes on one file cannot claim the same
 * delivery, and a lease is a row updated only once it has expired.
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import {
  DELIVERY_RETENTION_MS,
  toDeliveryId,
  type Claim,
  type DeliveryRecord,
  type NewDelivery,
  type Outbox,
  type Settlement,
} from './outbox.js';
import type { SessionCursor } from '../sessions/store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  id TEXT PRIMARY KEY,
  eventId TEXT NOT NULL,
  eventType TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  nextAttemptAt INTEGER NOT NULL,
  createdAt INTEGER NOT NULL,
  lastError TEXT,
  state TEXT NOT NULL,
  owner TEXT
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (state, nextAttemptAt);
CREATE TABLE IF NOT EXISTS webhook_leases (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expiresAt INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS webhook_cursors (
  name TEXT PRIMARY KEY,
  consentExpiresAt INTEGER NOT NULL,
  id TEXT NOT NULL
);
`;

type DeliveryRow = DeliveryRecord & { owner: string | null };

/** The delivery without its claim's owner, which stays inside the outbox. */
function toDelivery({ owner, ...delivery }: DeliveryRow): DeliveryRecord {
  void owner;
  return delivery;
}

export class SqliteOutbox implements Outbox {
  readonly #db: Database.Database;
  readonly #statements;

  constructor(db: Database.Database) {
    this.#db = db;
    db.exec(SCHEMA);
    this.#statements = {
      insert: db.prepare(
        `INSERT OR IGNORE INTO webhook_deliveries
           (id, eventId, eventType, endpoint, body, attempts, nextAttemptAt, createdAt, lastError, state, owner)
         VALUES (@id, @eventId, @eventType, @endpoint, @body, 0, @createdAt, @createdAt, NULL, 'pending', NULL)`,
      ),
      due: db.prepare(
        `SELECT * FROM webhook_deliveries WHERE state = 'pending' AND nextAttemptAt <= ?
         ORDER BY nextAttemptAt LIMIT ?`,
      ),
      lease: db.prepare(
        'UPDATE webhook_deliveries SET owner = ?, nextAttemptAt = ? WHERE id = ? AND nextAttemptAt <= ?',
      ),
      settle: db.prepare(
        `UPDATE webhook_deliveries SET state = @state, attempts = @attempts,
           nextAttemptAt = @nextAttemptAt, lastError = @lastError, owner = NULL,
           body = CASE WHEN @state = 'pending' THEN body ELSE '' END
         WHERE id = @id AND owner = @owner AND state = 'pending'`,
      ),
      get: db.prepare('SELECT * FROM webhook_deliveries WHERE id = ?'),
      acquireLease: db.prepare(
        `INSERT INTO webhook_leases (name, owner, expiresAt) VALUES (@name, @owner, @expiresAt)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expiresAt = excluded.expiresAt
         WHERE webhook_leases.owner = excluded.owner OR webhook_leases.expiresAt <= @now`,
      ),
      releaseLease: db.prepare('DELETE FROM webhook_leases WHERE name = ? AND owner = ?'),
      readCursor: db.prepare('SELECT consentExpiresAt, id FROM webhook_cursors WHERE name = ?'),
      writeCursor: db.prepare(
        `INSERT INTO webhook_cursors (name, consentExpiresAt, id) VALUES (@name, @consentExpiresAt, @id)
         ON CONFLICT (name) DO UPDATE SET consentExpiresAt = excluded.consentExpiresAt, id = excluded.id`,
      ),
      purge: db.prepare(
        `DELETE FROM webhook_deliveries WHERE state != 'pending' AND createdAt < ?`,
      ),
    };
  }

  enqueue(deliveries: NewDelivery[]): Promise<number> {
    const insertAll = this.#db.transaction((items: NewDelivery[]) =>
      items.reduce(
        (created, delivery) =>
          created +
          this.#statements.insert.run({
            ...delivery,
            id: toDeliveryId(delivery.eventId, delivery.endpoint),
          }).changes,
        0,
      ),
    );
    return Promise.resolve(insertAll(deliveries));
  }

  claimDue(now: number, limit: number, leaseMs: number): Promise<Claim> {
    const owner = randomBytes(12).toString('base64url');
    const claim = this.#db.transaction(() => {
      const rows = this.#statements.due.all(now, limit) as DeliveryRow[];
      return rows
        .filter((row) => this.#statements.lease.run(owner, now + leaseMs, row.id, now).changes)
        .map(toDelivery);
    });
    return Promise.resolve({ owner, deliveries: claim.immediate() });
  }

  settle(id: string, owner: string, settlement: Settlement): Promise<boolean> {
    const result = this.#statements.settle.run({
      id,
      owner,
      state: settlement.state,
      attempts: settlement.attempts,
      nextAttemptAt: settlement.state === 'pending' ? settlement.nextAttemptAt : 0,
      lastError: settlement.state === 'delivered' ? null : settlement.lastError,
    });
    return Promise.resolve(result.changes === 1);
  }

  getDelivery(id: string): Promise<DeliveryRecord | undefined> {
    const row = this.#statements.get.get(id) as DeliveryRow | undefined;
    return Promise.resolve(row ? toDelivery(row) : undefined);
  }

  acquireLease(name: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    const result = this.#statements.acquireLease.run({
      name,
      owner,
      now,
      expiresAt: now + leaseMs,
    });
    return Promise.resolve(result.changes === 1);
  }

  releaseLease(name: string, owner: string): Promise<void> {
    this.#statements.releaseLease.run(name, owner);
    return Promise.resolve();
  }

  readCursor(name: string): Promise<SessionCursor | undefined> {
    return Promise.resolve(this.#statements.readCursor.get(name) as SessionCursor | undefined);
  }

  writeCursor(name: string, cursor: SessionCursor): Promise<void> {
    this.#statements.writeCursor.run({ name, ...cursor });
    return Promise.resolve();
  }

  purge(now: number): Promise<void> {
    this.#statements.purge.run(now - DELIVERY_RETENTION_MS);
    return Promise.resolve();
  }
}
