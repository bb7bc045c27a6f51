/**
 * The embedded default session store: one SQLite file (better-sqlite3) in WAL mode, so a restart
 * loses nothing and concurrent readers do not block the writer.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { BankScope } from '../contract/index.js';
import { SqliteOutbox } from '../webhooks/sqlite-outbox.js';
import {
  FLOW_RETENTION_MS,
  UNATTENDED_WINDOW_MS,
  SESSION_RETENTION_AFTER_CONSENT_MS,
  type FlowRecord,
  type FlowStatus,
  type SessionCursor,
  type SessionPatch,
  type SessionRecord,
  type SessionStore,
} from './store.js';
import { SqliteSyncStore } from './sync-store.js';

interface FlowRow extends Omit<FlowRecord, 'scopes' | 'sessionId' | 'completion'> {
  scopes: string;
  session_id: string | null;
  completion: string | null;
}

interface SessionRow extends Omit<SessionRecord, 'scopes'> {
  scopes: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS flows (
  id TEXT PRIMARY KEY,
  stateHash TEXT NOT NULL UNIQUE,
  codeChallenge TEXT NOT NULL,
  aspsp TEXT NOT NULL,
  scopes TEXT NOT NULL,
  mode TEXT NOT NULL,
  origin TEXT NOT NULL,
  returnTo TEXT NOT NULL,
  createdAt INTEGER NOT NULL,
  expiresAt INTEGER NOT NULL,
  status TEXT NOT NULL,
  session_id TEXT,
  completion TEXT,
  dpopJkt TEXT
);
CREATE INDEX IF NOT EXISTS flows_expiry ON flows (expiresAt);
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  aspsp TEXT NOT NULL,
  scopes TEXT NOT NULL,
  tokens TEXT NOT NULL,
  accessExpiresAt INTEGER NOT NULL,
  consentExpiresAt INTEGER NOT NULL,
  status TEXT NOT NULL,
  version INTEGER NOT NULL,
  createdAt INTEGER NOT NULL,
  updatedAt INTEGER NOT NULL,
  dpopJkt TEXT
);
CREATE INDEX IF NOT EXISTS sessions_consent ON sessions (consentExpiresAt);
CREATE TABLE IF NOT EXISTS dpop_proofs (
  id TEXT PRIMARY KEY,
  expiresAt INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** Adds the columns later versions introduced to a store file an earlier version created. */
function addMissingColumns(db: Database.Database): void {
  for (const table of ['flows', 'sessions']) {
    const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
    if (!columns.some((column) => column.name === 'dpopJkt')) {
      db.exec(`ALTER TABLE ${table} ADD COLUMN dpopJkt TEXT`);
    }
  }
}

function toFlow(row: FlowRow | undefined): FlowRecord | undefined {
  if (!row) return undefined;
  const { session_id: sessionId, scopes, ...rest } = row;
  return { ...rest, scopes: JSON.parse(scopes) as BankScope[], sessionId };
}

function toSession(row: SessionRow | undefined): SessionRecord | undefined {
  return row ? { ...row, scopes: JSON.parse(row.scopes) as BankScope[] } : undefined;
}

export class SqliteSessionStore implements SessionStore {
  readonly sync: SqliteSyncStore;
  readonly outbox: SqliteOutbox;
  readonly #db: Database.Database;
  readonly #statements;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(SCHEMA);
    addMissingColumns(this.#db);
    const db = this.#db;
    this.#statements = {
      insertFlow: db.prepare(
        `INSERT INTO flows (id, stateHash, codeChallenge, aspsp, scopes, mode, origin, returnTo, createdAt, expiresAt, status, session_id, completion, dpopJkt)
         VALUES (@id, @stateHash, @codeChallenge, @aspsp, @scopes, @mode, @origin, @returnTo, @createdAt, @expiresAt, @status, @sessionId, @completion, @dpopJkt)`,
      ),
      getFlow: db.prepare('SELECT * FROM flows WHERE id = ?'),
      findFlow: db.prepare('SELECT * FROM flows WHERE stateHash = ?'),
      transitionFlow: db.prepare(
        'UPDATE flows SET status = @status, completion = COALESCE(@completion, completion) WHERE id = @id AND status = @from',
      ),
      insertSession: db.prepare(
        `INSERT INTO sessions (id, aspsp, scopes, tokens, accessExpiresAt, consentExpiresAt, status, version, createdAt, updatedAt, dpopJkt)
         VALUES (@id, @aspsp, @scopes, @tokens, @accessExpiresAt, @consentExpiresAt, @status, @version, @createdAt, @updatedAt, @dpopJkt)`,
      ),
      getSession: db.prepare('SELECT * FROM sessions WHERE id = ?'),
      updateSession: db.prepare(
        `UPDATE sessions SET scopes = COALESCE(@scopes, scopes), tokens = COALESCE(@tokens, tokens),
           accessExpiresAt = COALESCE(@accessExpiresAt, accessExpiresAt),
           consentExpiresAt = COALESCE(@consentExpiresAt, consentExpiresAt),
           status = COALESCE(@status, status), dpopJkt = COALESCE(@dpopJkt, dpopJkt),
           version = version + 1, updatedAt = @updatedAt
         WHERE id = @id AND version = @version`,
      ),
      deleteSession: db.prepare('DELETE FROM sessions WHERE id = ?'),
      purgeFlows: db.prepare('DELETE FROM flows WHERE expiresAt < ?'),
      purgeSessions: db.prepare('DELETE FROM sessions WHERE consentExpiresAt < ?'),
      ping: db.prepare('SELECT 1'),
      recordProof: db.prepare(
        'INSERT INTO dpop_proofs (id, expiresAt) VALUES (?, ?) ON CONFLICT (id) DO NOTHING',
      ),
      purgeProofs: db.prepare('DELETE FROM dpop_proofs WHERE expiresAt < ?'),
      listEnding: db.prepare(
        `SELECT * FROM sessions
         WHERE (consentExpiresAt > @at OR (consentExpiresAt = @at AND id > @id)) AND consentExpiresAt <= @until
         ORDER BY consentExpiresAt, id LIMIT @limit`,
      ),
    };
    this.sync = new SqliteSyncStore(db);
    this.outbox = new SqliteOutbox(db);
  }

  insertFlow(flow: FlowRecord): Promise<void> {
    this.#statements.insertFlow.run({ ...flow, scopes: JSON.stringify(flow.scopes) });
    return Promise.resolve();
  }

  getFlow(id: string): Promise<FlowRecord | undefined> {
    return Promise.resolve(toFlow(this.#statements.getFlow.get(id) as FlowRow | undefined));
  }

  findFlowByStateHash(stateHash: string): Promise<FlowRecord | undefined> {
    return Promise.resolve(toFlow(this.#statements.findFlow.get(stateHash) as FlowRow | undefined));
  }

  transitionFlow(
    id: string,
    from: FlowStatus,
    patch: Partial<Pick<FlowRecord, 'status' | 'completion'>>,
  ): Promise<boolean> {
    const result = this.#statements.transitionFlow.run({
      id,
      from,
      status: patch.status ?? from,
      completion: patch.completion ?? null,
    });
    return Promise.resolve(result.changes === 1);
  }

  insertSession(session: SessionRecord): Promise<void> {
    this.#statements.insertSession.run({ ...session, scopes: JSON.stringify(session.scopes) });
    return Promise.resolve();
  }

  getSession(id: string): Promise<SessionRecord | undefined> {
    return Promise.resolve(
      toSession(this.#statements.getSession.get(id) as SessionRow | undefined),
    );
  }

  updateSession(id: string, version: number, patch: SessionPatch): Promise<boolean> {
    const result = this.#statements.updateSession.run({
      id,
      version,
      scopes: patch.scopes ? JSON.stringify(patch.scopes) : null,
      tokens: patch.tokens ?? null,
      accessExpiresAt: patch.accessExpiresAt ?? null,
      consentExpiresAt: patch.consentExpiresAt ?? null,
      status: patch.status ?? null,
      dpopJkt: patch.dpopJkt ?? null,
      updatedAt: Date.now(),
    });
    return Promise.resolve(result.changes === 1);
  }

  deleteSession(id: string): Promise<boolean> {
    return Promise.resolve(this.#statements.deleteSession.run(id).changes === 1);
  }

  listSessionsEndingBetween(
    after: SessionCursor,
    until: number,
    limit: number,
  ): Promise<SessionRecord[]> {
    const rows = this.#statements.listEnding.all({
      at: after.consentExpiresAt,
      id: after.id,
      until,
      limit,
    }) as SessionRow[];
    return Promise.resolve(rows.map((row) => toSession(row) as SessionRecord));
  }

  recordProof(id: string, expiresAt: number): Promise<boolean> {
    return Promise.resolve(this.#statements.recordProof.run(id, expiresAt).changes === 1);
  }

  purgeExpired(now: number): Promise<void> {
    this.#statements.purgeProofs.run(now);
    this.#statements.purgeFlows.run(now - FLOW_RETENTION_MS);
    this.#statements.purgeSessions.run(now - SESSION_RETENTION_AFTER_CONSENT_MS);
    this.sync.purge(now, UNATTENDED_WINDOW_MS);
    return Promise.resolve();
  }

  ping(): Promise<void> {
    this.#statements.ping.get();
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#db.close();
    return Promise.resolve();
  }
}
