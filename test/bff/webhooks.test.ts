/**
 * Signed webhooks, on one BFF (SQLite) and a real HTTPS endpoint: the README's five-line check
 * accepts what the BFF signs and refuses a forged, altered or replayed webhook; each session event
 * is recorded where it happens, names the session by its public id and carries no handle or
 * token; a failing, slow or unreachable endpoint is retried with backoff, logged with its code,
 * given up after 24 hours, and never holds an API request. Each BFF's clock is injected, so that
 * days pass without waiting, and its dispatcher and scheduler run when a test says.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { loadConfig } from '../../backend-for-frontend/config.js';
import type { ConnectedSession } from '../../backend-for-frontend/contract/index.js';
import {
  WEBHOOK_EVENTS,
  webhookEventSchema,
  type WebhookEventType,
} from '../../backend-for-frontend/contract/webhooks.js';
import type { WebhookWorkers } from '../../backend-for-frontend/router.js';
import { computeRetryDelay } from '../../backend-for-frontend/webhooks/dispatcher.js';
import { toDeliveryId } from '../../backend-for-frontend/webhooks/outbox.js';
import { deriveEventId } from '../../backend-for-frontend/webhooks/publisher.js';
import { signWebhook } from '../../backend-for-frontend/webhooks/signing.js';
import { startTestBff, type TestBff } from '../support/bff.js';
import { findFreePort } from '../support/ports.js';
import { loadTestPki, type TestPki } from '../support/pki.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';
import {
  createWebhookSecret,
  hasValidSignature,
  startWebhookReceiver,
  type ReceivedWebhook,
  type WebhookReceiver,
} from '../support/webhook-receiver.js';

const DAY_MS = 86_400_000;

/** A BFF whose clock a test moves, with webhooks to `urls`, dispatched and scheduled on demand. */
async function startWebhookBff(
  sandbox: TestSandbox,
  options: { urls: string[]; secret: string; caFile: string; env?: Record<string, string> },
) {
  const clock = { offset: 0 };
  const bff = await startTestBff(sandbox, {
    now: () => Date.now() + clock.offset,
    webhookIntervals: { dispatchMs: 0, scheduleMs: 0 },
    env: {
      BFF_WEBHOOK_URLS: options.urls.join(','),
      BFF_WEBHOOK_SECRET: options.secret,
      BFF_WEBHOOK_CA: options.caFile,
      BFF_WEBHOOK_TIMEOUT_MS: '400',
      ...options.env,
    },
  });
  const workers = bff.app.bankConnect.webhooks as WebhookWorkers;
  assert.ok(workers, 'the webhook workers run');
  return { bff, clock, workers };
}

/** The README's receiver check, exactly as printed, run as the body of an async function. */
function loadReadmeCheck() {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /## Webhooks[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'the README shows the check');
  const [imports, ...rest] = block.split('\n');
  assert.equal(imports, "import { Webhook } from 'standardwebhooks';");
  const code = rest.join('\n');
  assert.equal(code.trim().split('\n').length, 5, 'the check is five lines');
  const AsyncFunction = (Object.getPrototypeOf(async () => {}) as { constructor: unknown })
    .constructor as new (...args: string[]) => (...values: unknown[]) => Promise<unknown>;
  // `return event` tells the test what the check let through.
  const check = new AsyncFunction(
    'Webhook',
    'process',
    'body',
    'req',
    'res',
    'alreadyHandled',
    `${code}\nreturn event;`,
  );
  return (secret: string, item: Pick<ReceivedWebhook, 'body' | 'headers'>, seen: Set<string>) => {
    let acknowledged = false;
    const res = { status: () => ({ end: () => (acknowledged = true) }) };
    return check(
      Webhook,
      { env: { BANK_CONNECT_WEBHOOK_SECRET: secret } },
      item.body,
      { headers: item.headers },
      res,
      (id: string) => Promise.resolve(seen.has(id) || (seen.add(id), false)),
    ).then((event) => (acknowledged ? 'duplicate' : event));
  };
}

const logLines = (bff: TestBff) =>
  bff.logs
    .flatMap((chunk) => chunk.split('\n').filter(Boolean))
    .map(
      (line) =>
        JSON.parse(line) as {
          level: number;
          code?: string;
          msg: string;
          error?: string;
          attempt?: number;
          eventId?: string;
          endpoint?: string;
          nextAttemptAt?: string;
        },
    );

describe('webhooks', () => {
  let sandbox: TestSandbox;
  let pki: TestPki;
  before(async () => {
    pki = await loadTestPki();
    sandbox = await startTestSandbox();
  });
  after(async () => {
    await sandbox?.stop();
  });

  describe('signatures and the README check', () => {
    let receiver: WebhookReceiver;
    let bff: TestBff;
    let clock: { offset: number };
    let workers: WebhookWorkers;
    const secret = createWebhookSecret();
    before(async () => {
      receiver = await startWebhookReceiver(pki);
      ({ bff, clock, workers } = await startWebhookBff(sandbox, {
        urls: [receiver.url],
        secret,
        caFile: receiver.caFile,
      }));
    });
    after(async () => {
      await bff?.stop();
      await receiver?.close();
    });

    /** Publishes an event with the BFF's clock `offsetMs` away from the real one; answers it. */
    async function receiveSignedAt(offsetMs: number): Promise<ReceivedWebhook> {
      clock.offset = offsetMs;
      const event = await bff.app.bankConnect.context.webhooks.publish('sync.budget_exhausted', {
        sessionId: `ses_${'a'.repeat(43)}`,
        aspsp: 'azur',
        resource: 'transactions',
        resetsAt: new Date(Date.now() + DAY_MS).toISOString(),
      });
      assert.ok(event);
      await workers.dispatcher.runOnce();
      await receiver.waitFor(
        (received) => received.some((item) => item.event.id === event.id),
        'the webhook',
      );
      clock.offset = 0;
      return receiver.received.find((item) => item.event.id === event.id) as ReceivedWebhook;
    }

    it('accepts a genuine webhook with exactly the README’s check, and drops its replay by id', async () => {
      const check = loadReadmeCheck();
      const item = await receiveSignedAt(0);
      assert.equal(item.headers['webhook-id'], item.event.id);
      assert.match(item.headers['webhook-signature'] ?? '', /^v1,[A-Za-z0-9+/]+=*$/);
      assert.match(item.headers['content-type'] ?? '', /^application\/json/);
      const seen = new Set<string>();
      const event = (await check(secret, item, seen)) as { id: string };
      assert.equal(event.id, item.event.id);
      webhookEventSchema.parse(event);
      assert.equal(await check(secret, item, seen), 'duplicate', 'a replay of a handled id');
    });

    it('refuses a forged signature, an altered body and an old replay with the README’s check', async () => {
      const check = loadReadmeCheck();
      const item = await receiveSignedAt(0);
      const forger = new Webhook(createWebhookSecret());
      const forged = {
        ...item,
        headers: {
          ...item.headers,
          'webhook-signature': forger.sign(item.event.id, new Date(), item.body),
        },
      };
      await assert.rejects(check(secret, forged, new Set()), /No matching signature/);
      const altered = { ...item, body: item.body.replace('transactions', 'accounts') };
      assert.notEqual(altered.body, item.body);
      await assert.rejects(check(secret, altered, new Set()), /No matching signature/);
      // A genuine webhook signed six minutes ago, as one captured then and replayed now.
      const old = await receiveSignedAt(-6 * 60_000);
      assert.ok(hasValidSignature(old, secret), 'its signature itself is genuine');
      await assert.rejects(check(secret, old, new Set()), /too old/);
      // Nor can the replayer refresh the timestamp: it is signed.
      const refreshed = {
        ...old,
        headers: { ...old.headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)) },
      };
      await assert.rejects(check(secret, refreshed, new Set()), /No matching signature/);
    });

    it('accepts a few seconds of clock skew either way, and refuses a clock far ahead', async () => {
      const check = loadReadmeCheck();
      for (const skew of [-30_000, 45_000]) {
        const item = await receiveSignedAt(skew);
        assert.equal(((await check(secret, item, new Set())) as { id: string }).id, item.event.id);
      }
      const ahead = await receiveSignedAt(6 * 60_000);
      await assert.rejects(check(secret, ahead, new Set()), /too new/);
    });

    it('signs with both secrets during a rotation: a receiver with either accepts', async () => {
      const check = loadReadmeCheck();
      const [current, previous] = [createWebhookSecret(), createWebhookSecret()];
      const body = JSON.stringify({ id: 'evt_x' });
      const headers = signWebhook([current, previous], 'evt_x', new Date(), body);
      assert.equal(headers['webhook-signature'].split(' ').length, 2);
      for (const secret of [current, previous]) {
        assert.deepEqual(await check(secret, { body, headers: { ...headers } }, new Set()), {
          id: 'evt_x',
        });
      }
      await assert.rejects(
        check(createWebhookSecret(), { body, headers: { ...headers } }, new Set()),
      );
    });
  });

  describe('session events', () => {
    let receiver: WebhookReceiver;
    let bff: TestBff;
    let clock: { offset: number };
    let workers: WebhookWorkers;
    const secret = createWebhookSecret();
    before(async () => {
      receiver = await startWebhookReceiver(pki);
      ({ bff, clock, workers } = await startWebhookBff(sandbox, {
        urls: [receiver.url],
        secret,
        caFile: receiver.caFile,
      }));
    });
    after(async () => {
      await bff?.stop();
      await receiver?.close();
      await sandbox.admin('POST', '/reset');
    });

    const eventsOf = (session: ConnectedSession, type?: WebhookEventType) =>
      receiver
        .accepted()
        .filter(
          (item) =>
            (item.event.data as { sessionId: string }).sessionId === session.id &&
            (type === undefined || item.event.type === type),
        );
    const waitForEvent = (session: ConnectedSession, type: WebhookEventType, count = 1) =>
      receiver.waitFor(() => eventsOf(session, type).length >= count, `${count} ${type}`);

    it('records connected, renewed and revoked events, by the public session id only', async () => {
      const session = await bff.connect('azur');
      await waitForEvent(session, 'session.connected');
      const [connected] = eventsOf(session, 'session.connected');
      assert.deepEqual(connected?.event.data, {
        sessionId: session.id,
        aspsp: 'azur',
        status: 'active',
        expiresAt: session.expiresAt,
      });

      clock.offset = DAY_MS;
      const renewed = await bff.connect('azur', { handle: session.sessionHandle });
      assert.equal(renewed.id, session.id);
      await waitForEvent(session, 'session.renewed');
      assert.deepEqual(eventsOf(session, 'session.renewed')[0]?.event.data, {
        sessionId: session.id,
        aspsp: 'azur',
        status: 'active',
        expiresAt: renewed.expiresAt,
      });
      assert.notEqual(renewed.expiresAt, session.expiresAt);

      // The customer deletes a session.
      const deleted = await bff.connect('bocage');
      assert.equal(
        (await bff.call('DELETE', '/v1/session', { handle: deleted.sessionHandle })).status,
        204,
      );
      await waitForEvent(deleted, 'session.revoked');
      assert.deepEqual(eventsOf(deleted, 'session.revoked')[0]?.event.data, {
        sessionId: deleted.id,
        aspsp: 'bocage',
        expiresAt: deleted.expiresAt,
        by: 'customer',
      });

      // The customer withdraws the consent at the bank: the next refresh is refused.
      const withdrawn = await bff.connect('mistral');
      await sandbox.admin('POST', '/banks/mistral/consents/revoke', {});
      const refused = await bff.call('GET', '/v1/accounts', { handle: withdrawn.sessionHandle });
      assert.equal(refused.status, 401);
      await waitForEvent(withdrawn, 'session.revoked');
      assert.deepEqual(eventsOf(withdrawn, 'session.revoked')[0]?.event.data, {
        sessionId: withdrawn.id,
        aspsp: 'mistral',
        expiresAt: withdrawn.expiresAt,
        by: 'bank',
      });

      // No body holds a handle or any token the banks issued.
      const issued = (
        (await (await sandbox.admin('GET', '/tokens')).json()) as { tokens: { value: string }[] }
      ).tokens.map((token) => token.value);
      assert.ok(issued.length > 0);
      for (const item of receiver.received) {
        webhookEventSchema.parse(item.event);
        assert.ok(hasValidSignature(item, secret));
        const raw = JSON.stringify(item);
        for (const secretValue of [
          ...issued,
          session.sessionHandle,
          deleted.sessionHandle,
          withdrawn.sessionHandle,
        ]) {
          assert.ok(!raw.includes(secretValue), 'no handle or token in a webhook');
        }
      }
      clock.offset = 0;
    });

    it('records session.expiring once per consent window, and reauth_required at its end', async () => {
      clock.offset = 0;
      const session = await bff.connect('azur');
      const end = Date.parse(session.expiresAt);
      // Two days before the window: nothing.
      clock.offset = end - 16 * DAY_MS - Date.now();
      await workers.scheduler.runOnce();
      // In the window: one event, however many runs.
      clock.offset = end - 13 * DAY_MS - Date.now();
      for (let run = 0; run < 3; run++) await workers.scheduler.runOnce();
      await workers.dispatcher.runOnce();
      await waitForEvent(session, 'session.expiring');
      assert.equal(eventsOf(session, 'session.expiring').length, 1);
      assert.equal(
        (eventsOf(session, 'session.expiring')[0]?.event.data as { status?: string }).status,
        'expiring',
      );

      // A renewal opens a new window: one more event, in it.
      const renewed = await bff.connect('azur', { handle: session.sessionHandle });
      await workers.scheduler.runOnce();
      clock.offset = Date.parse(renewed.expiresAt) - 10 * DAY_MS - Date.now();
      await workers.scheduler.runOnce();
      await workers.scheduler.runOnce();
      await workers.dispatcher.runOnce();
      await waitForEvent(session, 'session.expiring', 2);

      // The end of the consent.
      clock.offset = Date.parse(renewed.expiresAt) + 60_000 - Date.now();
      await workers.scheduler.runOnce();
      await workers.scheduler.runOnce();
      await workers.dispatcher.runOnce();
      await waitForEvent(session, 'session.reauth_required');
      // Every event is dispatched: nothing more comes.
      await workers.dispatcher.runOnce();
      assert.equal(eventsOf(session, 'session.expiring').length, 2);
      const ended = eventsOf(session, 'session.reauth_required');
      assert.equal(ended.length, 1);
      assert.deepEqual(ended[0]?.event.data, {
        sessionId: session.id,
        aspsp: 'azur',
        status: 'reauth_required',
        expiresAt: renewed.expiresAt,
        reason: 'consent_expired',
      });
      clock.offset = 0;
    });

    it('records a consent that starts inside the warning window as expiring at once', async () => {
      // A 90-day warning: azur's 90-day consents are expiring from their start.
      const early = await startWebhookBff(sandbox, {
        urls: [receiver.url],
        secret,
        caFile: receiver.caFile,
        env: { BFF_CONSENT_WARNING_DAYS: '90' },
      });
      try {
        const session = await early.bff.connect('azur');
        assert.equal(session.status, 'expiring');
        await waitForEvent(session, 'session.expiring');
        assert.equal(
          (eventsOf(session, 'session.connected')[0]?.event.data as { status?: string }).status,
          'expiring',
        );
        await early.workers.scheduler.runOnce();
        await early.workers.dispatcher.runOnce();
        assert.equal(eventsOf(session, 'session.expiring').length, 1);
      } finally {
        await early.bff.stop();
      }
    });

    it('publishes sync.budget_exhausted for the partner-server API, once per event id', async () => {
      const { webhooks } = bff.app.bankConnect.context;
      const data = {
        sessionId: `ses_${'b'.repeat(43)}`,
        aspsp: 'azur',
        resource: 'transactions',
        resetsAt: '2030-01-02T00:00:00.000Z',
      };
      const eventId = deriveEventId('sync.budget_exhausted', data.sessionId, data.resetsAt);
      const first = await webhooks.publish('sync.budget_exhausted', data, { eventId });
      const again = await webhooks.publish('sync.budget_exhausted', data, { eventId });
      assert.equal(first?.id, eventId);
      assert.equal(again?.id, eventId);
      await workers.dispatcher.runOnce();
      await receiver.waitFor(
        (received) => received.some((item) => item.event.id === eventId),
        'the budget event',
      );
      await workers.dispatcher.runOnce();
      const got = receiver.received.filter((item) => item.event.id === eventId);
      assert.equal(got.length, 1);
      assert.deepEqual(got[0]?.event.data, data);
      await assert.rejects(
        webhooks.publish('sync.budget_exhausted', { ...data, resetsAt: 'tomorrow' }),
        TypeError,
      );
      await assert.rejects(
        webhooks.publish('sync.budget_exhausted', data, { eventId: 'evt_short' }),
        TypeError,
      );
    });
  });

  describe('failing endpoints', () => {
    let receiver: WebhookReceiver;
    before(async () => {
      receiver = await startWebhookReceiver(pki);
    });
    after(async () => {
      await receiver?.close();
    });

    it('retries a 500 and a hung endpoint with backoff, logs each failure, and holds no request', async () => {
      const secret = createWebhookSecret();
      const { bff, clock, workers } = await startWebhookBff(sandbox, {
        urls: [receiver.url],
        secret,
        caFile: receiver.caFile,
        // Long enough that the API's answers come while the endpoint still hangs, even on a busy
        // machine; short enough to keep the test quick.
        env: { BFF_WEBHOOK_TIMEOUT_MS: '1500' },
      });
      try {
        const outbox = bff.app.bankConnect.context.store.outbox;
        assert.ok(outbox);
        receiver.answer = 500;
        const session = await bff.connect('azur');
        await receiver.waitFor((received) => received.length >= 1, 'a first attempt');
        await workers.dispatcher.runOnce();
        const eventId = receiver.received[0]?.event.id as string;
        const deliveryId = toDeliveryId(eventId, receiver.url);
        const first = await outbox.getDelivery(deliveryId);
        assert.equal(first?.attempts, 1);
        assert.equal(first?.lastError, 'http_500');
        const firstWait = (first?.nextAttemptAt ?? 0) - (Date.now() + clock.offset);
        assert.ok(firstWait > 20_000 && firstWait <= 36_000, `first retry in ${firstWait} ms`);
        const failed = logLines(bff).filter((line) => line.code === 'webhook_failed');
        assert.equal(failed.length, 1);
        assert.equal(failed[0]?.level, 40);
        assert.equal(failed[0]?.error, 'http_500');
        assert.equal(failed[0]?.attempt, 1);
        assert.equal(failed[0]?.endpoint, new URL(receiver.url).origin);
        assert.ok(failed[0]?.nextAttemptAt);

        // Not due yet: nothing is sent.
        await workers.dispatcher.runOnce();
        assert.equal(receiver.received.length, 1);

        // Due: the second attempt hangs, past the timeout, while the API answers at once.
        receiver.answer = 'hang';
        clock.offset += 40_000;
        let passEnded = false;
        const pass = workers.dispatcher.runOnce().finally(() => (passEnded = true));
        await receiver.waitFor((received) => received.length >= 2, 'a second attempt');
        const info = await bff.call('GET', '/v1/session', { handle: session.sessionHandle });
        assert.equal(info.status, 200);
        assert.equal(
          (await bff.call('DELETE', '/v1/session', { handle: session.sessionHandle })).status,
          204,
        );
        assert.equal(passEnded, false, 'answered while the endpoint still hung');
        assert.deepEqual(await pass, { delivered: 0, failed: 1, abandoned: 0 });
        const second = await outbox.getDelivery(deliveryId);
        assert.equal(second?.attempts, 2);
        assert.equal(second?.lastError, 'timeout');
        const secondWait = (second?.nextAttemptAt ?? 0) - (Date.now() + clock.offset);
        assert.ok(secondWait > 45_000 && secondWait <= 72_000, `second retry in ${secondWait} ms`);

        // The endpoint is back: both events arrive, the retried one and the deletion's.
        receiver.answer = 204;
        clock.offset += 80_000;
        await workers.dispatcher.runOnce();
        await receiver.waitFor(
          () => receiver.accepted().length >= 2,
          'the connected and revoked events',
        );
        assert.deepEqual(
          receiver
            .accepted()
            .map((item) => item.event.type)
            .sort(),
          ['session.connected', 'session.revoked'],
        );
        assert.equal((await outbox.getDelivery(deliveryId))?.state, 'delivered');
        assert.equal((await outbox.getDelivery(deliveryId))?.body, '');
      } finally {
        await bff.stop();
      }
    });

    it('gives up on an unreachable endpoint 24 hours after the event, logging webhook_abandoned', async () => {
      const closed = `https://localhost:${await findFreePort('127.0.0.1')}/webhooks`;
      const { bff, clock, workers } = await startWebhookBff(sandbox, {
        urls: [closed],
        secret: createWebhookSecret(),
        caFile: receiver.caFile,
      });
      try {
        const event = await bff.app.bankConnect.context.webhooks.publish('sync.budget_exhausted', {
          sessionId: `ses_${'c'.repeat(43)}`,
          aspsp: 'azur',
          resource: 'balances',
          resetsAt: '2030-01-02T00:00:00.000Z',
        });
        assert.ok(event);
        await workers.dispatcher.runOnce();
        let attempts = 1;
        // Each retry when due, as the poll would run it, for a day.
        const outbox = bff.app.bankConnect.context.store.outbox;
        const deliveryId = toDeliveryId(event.id, closed);
        for (;;) {
          const delivery = await outbox?.getDelivery(deliveryId);
          if (delivery?.state !== 'pending') break;
          attempts = delivery.attempts;
          clock.offset = delivery.nextAttemptAt - Date.now();
          await workers.dispatcher.runOnce();
        }
        const lines = logLines(bff);
        const failures = lines.filter((line) => line.code === 'webhook_failed');
        assert.ok(
          failures.every((line) => line.error === 'ECONNREFUSED'),
          JSON.stringify(failures[0]),
        );
        const abandoned = lines.filter((line) => line.code === 'webhook_abandoned');
        assert.equal(abandoned.length, 1);
        assert.equal(abandoned[0]?.level, 50);
        assert.equal(abandoned[0]?.eventId, event.id);
        assert.equal(abandoned[0]?.attempt, attempts + 1);
        assert.equal(failures.length, attempts);
        // 30 s doubling to an hour apart: about thirty attempts in a day.
        assert.ok(attempts >= 20 && attempts <= 40, `${attempts} attempts`);
        const delivery = await outbox?.getDelivery(deliveryId);
        assert.equal(delivery?.state, 'abandoned');
        assert.ok(
          Date.now() + clock.offset - Date.parse(event.createdAt) >= 24 * 3_600_000,
          'not before 24 hours',
        );
        assert.deepEqual(await workers.dispatcher.runOnce(), {
          delivered: 0,
          failed: 0,
          abandoned: 0,
        });
        for (const line of bff.logs) assert.ok(!line.includes('"body"'), 'no body in the logs');
      } finally {
        await bff.stop();
      }
    });

    it('waits 30 s, then doubles, at most an hour, with a jitter of a fifth', () => {
      assert.equal(
        computeRetryDelay(1, () => 0.5),
        30_000,
      );
      assert.equal(
        computeRetryDelay(2, () => 0.5),
        60_000,
      );
      assert.equal(
        computeRetryDelay(4, () => 0.5),
        240_000,
      );
      assert.equal(
        computeRetryDelay(12, () => 0.5),
        3_600_000,
      );
      assert.equal(
        computeRetryDelay(1, () => 0),
        24_000,
      );
      assert.equal(
        computeRetryDelay(1, () => 0.999_999),
        36_000,
      );
    });
  });

  describe('settings', () => {
    let bff: TestBff;
    before(async () => {
      bff = await startTestBff(sandbox);
    });
    after(async () => {
      await bff?.stop();
    });

    const settings = (extra: Record<string, string>) => {
      const pkiDir = sandbox.pki.dir;
      return {
        BFF_CLIENT_ID: bff.config.clientId,
        BFF_REDIRECT_URI: bff.config.redirectUri,
        BFF_QWAC_CERT: path.join(pkiDir, 'tpp-qwac.pem'),
        BFF_QWAC_KEY: path.join(pkiDir, 'tpp-qwac-key.pem'),
        BFF_QSEALC_CERT: path.join(pkiDir, 'tpp-qsealc.pem'),
        BFF_QSEALC_KEY: path.join(pkiDir, 'tpp-qsealc-key.pem'),
        BFF_QSEALC_URL: bff.config.qsealc.url,
        BFF_ALLOWED_ORIGINS: bff.config.allowedOrigins.join(','),
        BFF_REGISTRY: bff.config.registryFile,
        BFF_SEALING_KEYS: 'Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXktMDE',
        ...extra,
      };
    };
    const refusal = (extra: Record<string, string>) =>
      assert.throws(() => loadConfig({ env: settings(extra) })) as never;
    const messageOf = (extra: Record<string, string>) => {
      try {
        loadConfig({ env: settings(extra) });
      } catch (error) {
        return (error as Error).message;
      }
      return assert.fail('accepted');
    };
    const secret = createWebhookSecret();

    it('takes HTTPS endpoints, or HTTP on this machine, with a secret; names the variable otherwise', () => {
      void refusal;
      const config = loadConfig({
        env: settings({
          BFF_WEBHOOK_URLS: 'https://partner.example/hooks, http://localhost:3000/hooks',
          BFF_WEBHOOK_SECRET: secret,
        }),
      });
      assert.deepEqual(config.webhooks?.urls, [
        'https://partner.example/hooks',
        'http://localhost:3000/hooks',
      ]);
      assert.equal(config.webhooks?.timeoutMs, 10_000);
      assert.equal(loadConfig({ env: settings({}) }).webhooks, undefined);
      const cases: [Record<string, string>, RegExp][] = [
        [
          { BFF_WEBHOOK_URLS: 'http://partner.example/hooks', BFF_WEBHOOK_SECRET: secret },
          /^BFF_WEBHOOK_URLS: must be https/,
        ],
        [
          { BFF_WEBHOOK_URLS: 'https://user:pw@partner.example/', BFF_WEBHOOK_SECRET: secret },
          /^BFF_WEBHOOK_URLS: must carry no credentials/,
        ],
        [{ BFF_WEBHOOK_URLS: 'https://partner.example/hooks' }, /^BFF_WEBHOOK_SECRET: is required/],
        [{ BFF_WEBHOOK_SECRET: secret }, /^BFF_WEBHOOK_SECRET: set BFF_WEBHOOK_URLS as well/],
        [
          { BFF_WEBHOOK_URLS: 'https://p.example/', BFF_WEBHOOK_SECRET: 'whsec_c2hvcnQ=' },
          /^BFF_WEBHOOK_SECRET: must hold at least 24 random bytes/,
        ],
        [
          { BFF_WEBHOOK_URLS: 'https://p.example/', BFF_WEBHOOK_SECRET: 'not-a-secret' },
          /^BFF_WEBHOOK_SECRET: must be whsec_/,
        ],
        [
          {
            BFF_WEBHOOK_URLS: 'https://p.example/',
            BFF_WEBHOOK_SECRET: secret,
            BFF_WEBHOOK_CA: '/nowhere/ca.pem',
          },
          /^BFF_WEBHOOK_CA: cannot read/,
        ],
        [
          {
            BFF_WEBHOOK_URLS: 'https://p.example/',
            BFF_WEBHOOK_SECRET: secret,
            BFF_WEBHOOK_TIMEOUT_MS: '5',
          },
          /^BFF_WEBHOOK_TIMEOUT_MS: /,
        ],
      ];
      for (const [extra, expected] of cases) {
        const message = messageOf(extra);
        assert.match(message, expected);
        assert.ok(!message.includes(secret.slice(6)), 'the secret is never in a message');
      }
    });

    it('records nothing and runs no worker without endpoints', async () => {
      assert.equal(bff.app.bankConnect.webhooks, undefined);
      const { webhooks } = bff.app.bankConnect.context;
      assert.equal(webhooks.enabled, false);
      const published = await webhooks.publish('sync.budget_exhausted', {
        sessionId: `ses_${'d'.repeat(43)}`,
        aspsp: 'azur',
        resource: 'transactions',
        resetsAt: '2030-01-02T00:00:00.000Z',
      });
      assert.equal(published, undefined);
      const claim = await bff.app.bankConnect.context.store.outbox?.claimDue(
        Date.now() + DAY_MS,
        10,
        1_000,
      );
      assert.deepEqual(claim?.deliveries, []);
    });
  });

  describe('the webhook docs', () => {
    it('describe every event and every field of its data, as the contract has them', () => {
      const page = readFileSync(new URL('../../docs/webhooks.md', import.meta.url), 'utf8');
      for (const [type, schema] of Object.entries(WEBHOOK_EVENTS)) {
        const section = new RegExp(
          `### \`${type.replace('.', '\\.')}\`\\n([\\s\\S]*?)(?=\\n#|$)`,
        ).exec(page)?.[1];
        assert.ok(section, `docs/webhooks.md has a section on ${type}`);
        // The list ends the section; what is in parentheses describes a field.
        const list = (/Fields:\s([\s\S]*)$/.exec(section)?.[1] ?? '').replace(/\([^)]*\)/g, '');
        const fields = [...list.matchAll(/`(\w+)`/g)].map(([, name]) => name);
        assert.deepEqual(fields, Object.keys(schema.shape), `${type}: the fields listed`);
      }
    });
  });
});
