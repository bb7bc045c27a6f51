/**
 * A partner's webhook endpoint for tests: a real HTTPS server (the test PKI's `server.pem`, issued
 * for localhost and 127.0.0.1) that records every request it gets, answers as the test says (a
 * status, or never: a hung endpoint), and lets a test wait for the deliveries it expects, on each
 * request as it arrives, with no polling and no sleep.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { WebhookEvent } from '../../backend-for-frontend/contract/webhooks.js';
import type { TestPki } from './pki.js';

export interface ReceivedWebhook {
  headers: Record<string, string>;
  /** The raw body, as signed. */
  body: string;
  event: WebhookEvent;
  /** The status it was answered, or `hung`. */
  answer: number | 'hung';
}

export interface WebhookReceiver {
  url: string;
  /** The CA file a BFF must trust to reach it (`BFF_WEBHOOK_CA`). */
  caFile: string;
  received: ReceivedWebhook[];
  /** What the next requests are answered: a status, or `hang` (no answer until closed). */
  answer: number | 'hang';
  /** The webhooks answered 2xx: those the partner processed. */
  accepted(): ReceivedWebhook[];
  /** Resolves once `condition` holds of what was received, checked on each request. */
  waitFor(condition: (received: ReceivedWebhook[]) => boolean, what: string): Promise<void>;
  close(): Promise<void>;
}

/** A safety net for a test that waits for a webhook that never comes: fail, do not hang. */
const WAIT_LIMIT_MS = 15_000;

export async function startWebhookReceiver(pki: TestPki): Promise<WebhookReceiver> {
  const arrivals = new EventEmitter();
  const hung = new Set<() => void>();
  const receiver: WebhookReceiver = {
    url: '',
    caFile: path.join(pki.dir, 'ca.pem'),
    received: [],
    answer: 204,
    accepted: () =>
      receiver.received.filter(
        (item) => typeof item.answer === 'number' && item.answer >= 200 && item.answer < 300,
      ),
    waitFor: (condition, what) =>
      new Promise<void>((resolve, reject) => {
        if (condition(receiver.received)) return resolve();
        const timer = setTimeout(() => {
          arrivals.off('request', check);
          reject(new Error(`timed out waiting for ${what}`));
        }, WAIT_LIMIT_MS);
        const check = () => {
          if (!condition(receiver.received)) return;
          clearTimeout(timer);
          arrivals.off('request', check);
          resolve();
        };
        arrivals.on('request', check);
      }),
    close: async () => {
      for (const release of hung) release();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server: Server = createServer(
    { cert: pki['server.pem'], key: pki['server-key.pem'] },
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const answer = receiver.answer;
        receiver.received.push({
          headers: Object.fromEntries(
            Object.entries(req.headers).map(([name, value]) => [name, String(value)]),
          ),
          body,
          event: JSON.parse(body) as WebhookEvent,
          answer: answer === 'hang' ? 'hung' : answer,
        });
        if (answer === 'hang') {
          hung.add(() => res.destroy());
        } else {
          res.writeHead(answer).end();
        }
        arrivals.emit('request');
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `https://localhost:${(server.address() as AddressInfo).port}/webhooks`;
  return receiver;
}

/**
 * Checks a received webhook's signature with `secret` at the timestamp it carries, with
 * node:crypto alone: a second, independent reading of the Standard Webhooks scheme, for tests
 * whose BFF clock runs days ahead (the README's check compares with the real clock).
 */
export function hasValidSignature(item: ReceivedWebhook, secret: string): boolean {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signed = `${item.headers['webhook-id']}.${item.headers['webhook-timestamp']}.${item.body}`;
  const expected = Buffer.from(createHmac('sha256', key).update(signed).digest('base64'));
  return (item.headers['webhook-signature'] ?? '').split(' ').some((signature) => {
    const given = Buffer.from(signature.replace(/^v1,/, ''));
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** A fresh `whsec_` secret: 32 random bytes. */
export function createWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
