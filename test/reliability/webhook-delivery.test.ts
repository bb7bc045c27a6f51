/**
 * Webhook delivery across restarts and instances, on both session stores (a SQLite file, and a
 * real redis-server): a BFF restarted while its endpoint fails still delivers every webhook once
 * the endpoint recovers, exactly once per webhook id; two instances on one store, their
 * schedulers run at the same time, record exactly one `session.expiring` per session and consent
 * window, and one more after a renewal. Underneath, each store's outbox records an event once
 * whoever enqueues it, never hands one delivery to two claims, and pages sessions by consent end.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import type { ConnectedSession } from '../../backend-for-frontend/contract/index.js';
import type { WebhookWorkers } from '../../backend-for-frontend/router.js';
import { RedisSessionStore } from '../../backend-for-frontend/sessions/redis-store.js';
import { SqliteSessionStore } from '../../backend-for-frontend/sessions/sqlite-store.js';
import type { SessionRecord, SessionStore } from '../../backend-for-frontend/sessions/store.js';
import type { Outbox } from '../../backend-for-frontend/webhooks/outbox.js';
import { startTestBff, type TestBff } from '../support/bff.js';
import { loadTestPki, type TestPki } from '../support/pki.js';
import { startTestRedis, type TestRedis } from '../support/redis-server.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';
import {
  createWebhookSecret,
  hasValidSignature,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../support/webhook-receiver.js';

const DAY_MS = 86_400_000;

interface Backend {
  name: string;
  /** A `BFF_SESSION_STORE` of its own for one test. */
  store(dir: string): string;
  open(dir: string): SessionStore;
}

const workersOf = (bff: TestBff) => bff.app.bankConnect.webhooks as WebhookWorkers;

/** Every webhook id the endpoint accepted, with how many times. */
function countAccepted(receiver: WebhookReceiver): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of receiver.accepted()) {
    const id = item.headers['webhook-id'] ?? '';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

describe('webhook delivery across restarts and instances', () => {
  let sandbox: TestSandbox;
  let redis: TestRedis;
  let pki: TestPki;
  let database = 4;
  before(async () => {
    pki = await loadTestPki();
    redis = await startTestRedis();
    sandbox = await startTestSandbox();
  });
  after(async () => {
    await sandbox?.stop();
    await redis?.dispose();
  });

  /** Each store, named; `make` gives a fresh one (a Redis database of its own) per test. */
  const backends: { name: string; make: () => Backend }[] = [
    {
      name: 'SQLite',
      make: () => ({
        name: 'SQLite',
        store: (dir) => `sqlite:${path.join(dir, 'sessions.sqlite')}`,
        open: (dir) => new SqliteSessionStore(path.join(dir, 'sessions.sqlite')),
      }),
    },
    {
      name: 'Redis',
      make: () => {
        const url = `${redis.url}/${database++}`;
        return { name: 'Redis', store: () => url, open: () => new RedisSessionStore(url) };
      },
    },
  ];

  /** Two BFFs on one store, their clock shared and moved by the test. */
  async function startInstances(backend: Backend, receiver: WebhookReceiver, count: number) {
    const dir = await mkdtemp(path.join(tmpdir(), 'bff-webhooks-'));
    const clock = { offset: 0 };
    const secret = createWebhookSecret();
    const options = {
      now: () => Date.now() + clock.offset,
      webhookIntervals: { dispatchMs: 0, scheduleMs: 0 },
      env: {
        BFF_SESSION_STORE: backend.store(dir),
        BFF_LOG_LEVEL: 'warn',
        BFF_WEBHOOK_URLS: receiver.url,
        BFF_WEBHOOK_SECRET: secret,
        BFF_WEBHOOK_CA: receiver.caFile,
        BFF_WEBHOOK_TIMEOUT_MS: '2000',
      },
    };
    const instances: TestBff[] = [];
    for (let index = 0; index < count; index++) {
      instances.push(await startTestBff(sandbox, { ...options, dir }));
    }
    return {
      dir,
      clock,
      secret,
      instances,
      stop: async () => {
        for (const bff of instances) await bff.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }

  for (const { name, make: backend } of backends) {
    describe(`on ${name}`, () => {
      it('delivers every webhook once after a restart in the middle of its retries', async () => {
        const receiver = await startWebhookReceiver(pki);
        const { clock, secret, instances, stop } = await startInstances(backend(), receiver, 1);
        let bff = instances[0] as TestBff;
        try {
          receiver.answer = 503;
          await bff.connect('azur');
          await bff.connect('bocage');
          await bff.app.bankConnect.context.webhooks.publish('sync.budget_exhausted', {
            sessionId: `ses_${'e'.repeat(43)}`,
            aspsp: 'azur',
            resource: 'transactions',
            resetsAt: '2030-01-02T00:00:00.000Z',
          });
          await workersOf(bff).dispatcher.runOnce();
          await receiver.waitFor((received) => received.length >= 3, 'three first attempts');
          const ids = new Set(receiver.received.map((item) => item.headers['webhook-id']));
          assert.equal(ids.size, 3);

          // The BFF restarts while every delivery waits for its retry; the endpoint recovers.
          bff = await bff.restart();
          instances[0] = bff;
          receiver.answer = 200;
          clock.offset += 2 * 60_000;
          await workersOf(bff).dispatcher.runOnce();
          await receiver.waitFor(
            () => [...ids].every((id) => countAccepted(receiver).has(id ?? '')),
            'every webhook delivered',
          );
          // Further passes, and the hours after, send nothing again.
          clock.offset += 26 * 3_600_000;
          await workersOf(bff).dispatcher.runOnce();
          const accepted = countAccepted(receiver);
          assert.deepEqual([...accepted.keys()].sort(), [...ids].sort());
          assert.deepEqual(new Set(accepted.values()), new Set([1]), 'each exactly once');
          assert.ok(receiver.accepted().every((item) => hasValidSignature(item, secret)));
        } finally {
          await stop();
          await receiver.close();
        }
      });

      it('records one session.expiring per session and window across two instances’ schedulers', async () => {
        const receiver = await startWebhookReceiver(pki);
        const { clock, instances, stop } = await startInstances(backend(), receiver, 2);
        const [first, second] = instances as [TestBff, TestBff];
        const runEverywhere = async () => {
          await Promise.all(
            [first, second, first, second].map((bff) => workersOf(bff).scheduler.runOnce()),
          );
          await Promise.all([first, second].map((bff) => workersOf(bff).dispatcher.runOnce()));
        };
        const expiring = (session: ConnectedSession) =>
          receiver
            .accepted()
            .filter(
              (item) =>
                item.event.type === 'session.expiring' &&
                (item.event.data as { sessionId: string }).sessionId === session.id,
            );
        try {
          const sessions: ConnectedSession[] = [];
          for (const bff of [first, second, first]) sessions.push(await bff.connect('azur'));
          const end = Math.max(...sessions.map((session) => Date.parse(session.expiresAt)));
          clock.offset = end - 10 * DAY_MS - Date.now();
          await runEverywhere();
          await receiver.waitFor(
            () => sessions.every((session) => expiring(session).length >= 1),
            'an expiring event per session',
          );
          await runEverywhere();
          for (const session of sessions) assert.equal(expiring(session).length, 1);

          // A renewal through the other instance opens a new window, where one more comes.
          const [renewed] = sessions as [ConnectedSession];
          const after = await second.connect('azur', { handle: renewed.sessionHandle });
          await runEverywhere();
          clock.offset = Date.parse(after.expiresAt) - 10 * DAY_MS - Date.now();
          await runEverywhere();
          await receiver.waitFor(() => expiring(renewed).length >= 2, 'the new window’s event');
          await runEverywhere();
          assert.equal(expiring(renewed).length, 2);
          for (const session of sessions.slice(1)) assert.equal(expiring(session).length, 1);
          assert.deepEqual(
            new Set(countAccepted(receiver).values()),
            new Set([1]),
            'no webhook id twice',
          );
        } finally {
          await stop();
          await receiver.close();
        }
      });

      describe('the store underneath', () => {
        let dir: string;
        let store: SessionStore;
        let outbox: Outbox;
        before(async () => {
          dir = await mkdtemp(path.join(tmpdir(), 'bff-outbox-'));
          store = backend().open(dir);
          outbox = store.outbox as Outbox;
          assert.ok(outbox);
        });
        after(async () => {
          await store.close();
          await rm(dir, { recursive: true, force: true });
        });

        it('records an event once, and never hands one delivery to two claims', async () => {
          const now = Date.now();
          const deliveries = Array.from({ length: 30 }, (_, index) => ({
            eventId: `evt_${String(index).padStart(43, '0')}`,
            eventType: 'session.connected',
            endpoint: 'https://partner.example/hooks',
            body: '{}',
            createdAt: now,
          }));
          const created = await Promise.all([
            outbox.enqueue(deliveries),
            outbox.enqueue(deliveries),
          ]);
          assert.equal(created[0] + created[1], 30);
          const claims = await Promise.all(
            Array.from({ length: 4 }, () => outbox.claimDue(now, 10, 60_000)),
          );
          const claimed = claims.flatMap((claim) => claim.deliveries.map((item) => item.id));
          assert.equal(claimed.length, 30);
          assert.equal(new Set(claimed).size, 30);
          // Leased: nothing is due until the lease ends, then all of it again.
          assert.deepEqual((await outbox.claimDue(now, 50, 60_000)).deliveries, []);
          assert.equal((await outbox.claimDue(now + 60_000, 50, 60_000)).deliveries.length, 30);
          // The claim that lost its lease settles nothing.
          const stale = claims[0]?.deliveries[0];
          assert.ok(stale && claims[0]);
          assert.equal(
            await outbox.settle(stale.id, claims[0].owner, { state: 'delivered', attempts: 1 }),
            false,
          );
          assert.equal((await outbox.getDelivery(stale.id))?.state, 'pending');
        });

        it('pages sessions by the end of their consent, ties included', async () => {
          const base = Date.now() + 1_000 * DAY_MS;
          const make = (offset: number): SessionRecord => ({
            id: randomBytes(32).toString('base64url'),
            aspsp: 'azur',
            scopes: ['aisp'],
            tokens: 'v1.sealed',
            accessExpiresAt: base,
            consentExpiresAt: base + offset,
            status: 'active',
            version: 1,
            createdAt: Date.now(),
            updatedAt: Date.now(),
            dpopJkt: null,
          });
          const sessions = [0, 0, 0, 1, 5, 100].map(make);
          for (const session of sessions) await store.insertSession(session);
          const expected = sessions
            .filter((session) => session.consentExpiresAt <= base + 5)
            .sort((a, b) => a.consentExpiresAt - b.consentExpiresAt || (a.id < b.id ? -1 : 1))
            .map((session) => session.id);
          const seen: string[] = [];
          let cursor = { consentExpiresAt: base - 1, id: '' };
          for (;;) {
            const page = await store.listSessionsEndingBetween(cursor, base + 5, 2);
            seen.push(...page.map((session) => session.id));
            const last = page.at(-1);
            if (!last) break;
            cursor = { consentExpiresAt: last.consentExpiresAt, id: last.id };
          }
          assert.deepEqual(seen, expected);
          // A renewal moves a session in the order; a deletion takes it out.
          const [moved, gone] = sessions as [SessionRecord, SessionRecord];
          assert.ok(
            await store.updateSession(moved.id, 1, { consentExpiresAt: base + 50 * DAY_MS }),
          );
          await store.deleteSession(gone.id);
          const after = await store.listSessionsEndingBetween(
            { consentExpiresAt: base - 1, id: '' },
            base + 5,
            50,
          );
          assert.deepEqual(
            after.map((session) => session.id),
            expected.filter((id) => id !== moved.id && id !== gone.id),
          );
        });
      });
    });
  }

  it('indexes the Redis sessions stored before the index existed, once', async () => {
    const url = `${redis.url}/${database++}`;
    const client = createClient({ url });
    await client.connect();
    try {
      const id = randomBytes(32).toString('base64url');
      const end = Date.now() + 10 * DAY_MS;
      await client.hSet(`bank-connect:session:${id}`, {
        id,
        aspsp: 'azur',
        scopes: '["aisp"]',
        tokens: 'v1.sealed',
        accessExpiresAt: String(end),
        consentExpiresAt: String(end),
        status: 'active',
        version: '1',
        createdAt: '0',
        updatedAt: '0',
      });
      const store = new RedisSessionStore(url);
      try {
        await store.sessionsIndexed;
        const found = await store.listSessionsEndingBetween(
          { consentExpiresAt: 0, id: '' },
          end + 1,
          10,
        );
        assert.deepEqual(
          found.map((session) => session.id),
          [id],
        );
      } finally {
        await store.close();
      }
    } finally {
      await client.close();
    }
  });
});
