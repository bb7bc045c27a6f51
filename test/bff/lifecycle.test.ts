/**
 * One consent's whole life as the partner's webhook endpoint sees it, on both stores: connected,
 * synced without the customer (the fifth and sixth reads from the cache: the budget is spent),
 * expiring, renewed, then revoked by the partner's server. Every delivery is signed, names the
 * session by its public id, and carries no handle and no token.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import type { AccountList, SyncInfo } from '../../backend-for-frontend/contract/index.js';
import { createPartnerKey } from '../../backend-for-frontend/partner/keys.js';
import type { WebhookWorkers } from '../../backend-for-frontend/router.js';
import { startTestBff } from '../support/bff.js';
import { startTestRedis, type TestRedis } from '../support/redis-server.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';
import {
  createWebhookSecret,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../support/webhook-receiver.js';

const DAY_MS = 86_400_000;
const key = createPartnerKey('lifecycle');

describe('a consent’s whole life, as the webhooks tell it', () => {
  let sandbox: TestSandbox;
  let redis: TestRedis;
  let receiver: WebhookReceiver;
  before(async () => {
    sandbox = await startTestSandbox();
    redis = await startTestRedis();
    receiver = await startWebhookReceiver(sandbox.pki);
  });
  after(async () => {
    await receiver?.close();
    await sandbox?.stop();
    await redis?.dispose();
  });

  for (const storeName of ['sqlite', 'redis'] as const) {
    it(`connect → sync ×6 → expiring → renewed → revoked (${storeName})`, async (t) => {
      receiver.received.length = 0;
      const secret = createWebhookSecret();
      let offset = 0;
      const bff = await startTestBff(sandbox, {
        now: () => Date.now() + offset,
        webhookIntervals: { dispatchMs: 0, scheduleMs: 0 },
        env: {
          BFF_WEBHOOK_URLS: receiver.url,
          BFF_WEBHOOK_SECRET: secret,
          BFF_WEBHOOK_CA: receiver.caFile,
          BFF_PARTNER_KEYS: key.entry,
          ...(storeName === 'redis' ? { BFF_SESSION_STORE: redis.url } : {}),
        },
      });
      try {
        const workers = bff.app.bankConnect.webhooks as WebhookWorkers;
        const deliver = async (count: number, what: string) => {
          await workers.dispatcher.runOnce();
          await receiver.waitFor((received) => received.length >= count, what);
        };
        const session = await bff.connect('azur', { login: 'luc.martin' });
        await deliver(1, 'session.connected');

        const sources: string[] = [];
        // A sixth read too: the budget is spent once, so it is said once.
        for (let sync = 0; sync < 6; sync++) {
          const response = await bff.call('GET', `/partner/v1/sessions/${session.id}/accounts`, {
            origin: null,
            csrf: false,
            headers: { Authorization: `Bearer ${key.key}` },
          });
          const body = (await response.json()) as { data: AccountList; sync: SyncInfo };
          sources.push(body.sync.source);
        }
        assert.deepEqual(sources, ['bank', 'bank', 'bank', 'bank', 'cache', 'cache']);
        await deliver(2, 'sync.budget_exhausted');

        // 80 days on (the bank's clock too), azur's 90-day consent is in its 14-day window.
        offset = 80 * DAY_MS;
        await sandbox.admin('POST', '/banks/azur/clock', { advanceSeconds: 80 * 86_400 });
        await workers.scheduler.runOnce();
        await deliver(3, 'session.expiring');

        await bff.connect('azur', { login: 'luc.martin', handle: session.sessionHandle });
        await deliver(4, 'session.renewed');

        const deleted = await bff.call('DELETE', `/partner/v1/sessions/${session.id}`, {
          origin: null,
          csrf: false,
          headers: { Authorization: `Bearer ${key.key}` },
        });
        assert.equal(deleted.status, 204);
        await deliver(5, 'session.revoked');

        const log = receiver.received.map(({ event }): Record<string, string> => ({
          type: event.type,
          createdAt: event.createdAt,
          ...event.data,
        }));
        t.diagnostic(JSON.stringify(log));
        assert.deepEqual(
          log.map((entry) => entry.type),
          [
            'session.connected',
            'sync.budget_exhausted',
            'session.expiring',
            'session.renewed',
            'session.revoked',
          ],
        );
        assert.ok(log.every((entry) => entry.sessionId === session.id));
        assert.equal(log[1]?.resource, 'accounts');
        assert.equal(log[4]?.by, 'partner');
        const verifier = new Webhook(secret);
        for (const delivery of receiver.received) {
          assert.ok(!delivery.body.includes(session.sessionHandle), 'no handle');
          // Signed with the BFF's clock, 80 days ahead for the last three: check the signature
          // at the time it claims.
          const signedAt = Number(delivery.headers['webhook-timestamp']) * 1000;
          const realNow = Date.now;
          Date.now = () => signedAt;
          try {
            verifier.verify(delivery.body, delivery.headers);
          } finally {
            Date.now = realNow;
          }
        }
        const { tokens } = (await (await sandbox.admin('GET', '/tokens')).json()) as {
          tokens: { value: string }[];
        };
        assert.ok(tokens.length > 0);
        for (const { value: token } of tokens) {
          assert.ok(!receiver.received.some((delivery) => delivery.body.includes(token)));
        }
      } finally {
        await sandbox.admin('POST', '/reset');
        await bff.stop();
      }
    });
  }
});
