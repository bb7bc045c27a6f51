/** Clients for the sandbox's mTLS listener, with one of the test PKI's certificates. */
import { Agent } from 'undici';
import type { TestPki } from './pki.js';

export type ClientIdentity = 'tpp-qwac' | 'tpp-qwac-renewed' | 'rogue-qwac' | 'expired-qwac';

/** An undici Agent presenting `identity` and trusting the test CA. */
export function createMtlsAgent(
  pki: TestPki,
  identity: ClientIdentity | 'none' = 'tpp-qwac',
): Agent {
  return new Agent({
    connect: {
      ca: pki['ca.pem'],
      ...(identity === 'none'
        ? {}
        : { cert: pki[`${identity}.pem`], key: pki[`${identity}-key.pem`] }),
    },
  });
}
