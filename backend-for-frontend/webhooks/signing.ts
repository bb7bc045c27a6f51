/**
 * Webhook signatures, as the Standard Webhooks specification defines them
 * (https://www.standardwebhooks.com, "Signature scheme"): `webhook-id`, `webhook-timestamp` (Unix
 * seconds) and `webhook-signature`, `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under
 * the secret. Signed with the specification's own library, so that the receiver's check in the
 * README (`new Webhook(secret).verify(body, headers)`) is the same code on the other side.
 */
import { Webhook } from 'standardwebhooks';

/** The three headers of a signed webhook. */
export interface WebhookSignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs `body` for the event `id` at `timestamp` with every secret (`whsec_…`): during a
 * rotation a receiver with either secret accepts it, since the specification lets one header
 * carry several space-separated signatures.
 */
export function signWebhook(
  secrets: readonly string[],
  id: string,
  timestamp: Date,
  body: string,
): WebhookSignatureHeaders {
  if (secrets.length === 0) throw new TypeError('signWebhook: at least one secret is required');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': secrets
      .map((secret) => new Webhook(secret).sign(id, timestamp, body))
      .join(' '),
  };
}
