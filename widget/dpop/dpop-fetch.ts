import { dpopState } from './dpop-key.js';
import { createDpopProof } from './dpop-proof.js';

/** A request to the BFF as `BffClient` and the client build it. */
export type BffRequestInit = RequestInit & { method: string; headers: Record<string, string> };

/** Whether a 401 is the BFF's `use_dpop_nonce`: its JSON error, the contract's one shape. */
async function asksForNonce(response: Response): Promise<boolean> {
  const body = (await response
    .clone()
    .json()
    .catch(() => undefined)) as { error?: unknown } | undefined;
  return body?.error === 'use_dpop_nonce';
}

/**
 * Sends one request to the BFF with a fresh DPoP proof in `DPoP` (RFC 9449 §7.1), and the session
 * handle as `Authorization: DPoP <handle>` when there is one. Remembers the last `DPoP-Nonce` each
 * BFF origin hands out for the next proofs (§8), and when the BFF answers `use_dpop_nonce`
 * (§8, §9), signs again with the nonce it gave and sends once more.
 */
export async function fetchWithDpop(
  url: URL,
  init: BffRequestInit,
  handle?: string,
): Promise<Response> {
  const { nonces } = dpopState();
  for (let signedAgain = false; ; signedAgain = true) {
    const nonce = nonces.get(url.origin);
    init.headers.DPoP = await createDpopProof({
      htm: init.method,
      htu: url.origin + url.pathname,
      handle,
      nonce,
    });
    if (handle) init.headers.Authorization = `DPoP ${handle}`;
    const response = await fetch(url, init);
    const offered = response.headers.get('DPoP-Nonce');
    if (offered) nonces.set(url.origin, offered);
    if (signedAgain || !offered || response.status !== 401 || !(await asksForNonce(response))) {
      return response;
    }
  }
}
