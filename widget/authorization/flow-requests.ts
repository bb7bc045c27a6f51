import type { BffClient, SendRequest } from '../bff-client.js';
import { hasStrings } from '../bff-client.js';
import type {
  CompleteFlowRequest,
  ConnectedSession,
  CreateFlowRequest,
  CreateFlowResponse,
  SessionInfo,
} from '../contract.js';
import { fetchWithDpop } from '../dpop/dpop-fetch.js';
import type { BankConnectError } from '../errors.js';

/*
 * The BFF calls that carry a DPoP proof, on the element's client: they come with the flow and the
 * signer in the consent chunk, so that the entry carries only the directory's call.
 */

/** Sends with a proof of the page's key, and `sessionHandle` when there is one (RFC 9449 §7.1). */
function withProof(sessionHandle?: string): SendRequest {
  return (url, init) => fetchWithDpop(url, init, sessionHandle);
}

/** What the widget reads of a `ConnectedSession`. */
const isConnectedSession = (session: Record<string, unknown>) =>
  hasStrings(session, 'id aspsp expiresAt');

/**
 * `POST /v1/flows`: registers state and PKCE challenge, answers the bank's authorize URL. Its proof
 * names the key the session will be bound to; a reconnect sends its handle too.
 */
export function createFlow(
  client: BffClient,
  body: CreateFlowRequest,
  sessionHandle?: string,
): Promise<CreateFlowResponse> {
  return client.request_<CreateFlowResponse>('POST', 'v1/flows', {
    body,
    send: withProof(sessionHandle),
    check: (flow) =>
      hasStrings(flow, 'flowId authorizationUrl issuer expiresAt') &&
      typeof flow.issParameterSupported === 'boolean',
  });
}

/**
 * `POST /v1/flows/{id}/complete`: hands the code and verifier over; idempotent per verifier. The
 * BFF binds the session to the key of this request's proof.
 */
export function completeFlow(
  client: BffClient,
  flowId: string,
  body: CompleteFlowRequest,
  sessionHandle?: string,
): Promise<ConnectedSession> {
  return client.request_<ConnectedSession>(
    'POST',
    `v1/flows/${encodeURIComponent(flowId)}/complete`,
    { body, send: withProof(sessionHandle), check: isConnectedSession },
  );
}

/**
 * `POST /v1/flows/{id}/result`: the session another tab completed this page's flow into, asked
 * with the flow's PKCE verifier (which only the starting page holds) and a proof of the key the
 * session is bound to. `FLOW_NOT_COMPLETED` while the BFF has not completed it.
 */
export function fetchFlowResult(
  client: BffClient,
  flowId: string,
  codeVerifier: string,
): Promise<ConnectedSession> {
  return client.request_<ConnectedSession>(
    'POST',
    `v1/flows/${encodeURIComponent(flowId)}/result`,
    {
      body: { codeVerifier },
      send: withProof(),
      check: isConnectedSession,
    },
  );
}

/**
 * `GET /v1/session`: what the BFF knows of a session handle (or of the cookie's session, without
 * one); undefined when it opens no
 * session from this browser: unknown or revoked, bound to no key, or bound to another key (a
 * handle copied from elsewhere, or this page's key lost with its storage).
 */
export function readSession(
  client: BffClient,
  sessionHandle?: string,
): Promise<SessionInfo | undefined> {
  return client
    .request_<SessionInfo>('GET', 'v1/session', {
      send: withProof(sessionHandle),
      // A status the element does not know (a newer BFF's) reads as a consent to renew.
      check: (session) => hasStrings(session, 'aspsp expiresAt status'),
    })
    .catch((error: BankConnectError) => {
      // SESSION_REQUIRED, DPOP_PROOF_REQUIRED, INVALID_DPOP_PROOF.
      if (!/^SESSION_REQUIRED$|DPOP_PROOF/.test(error.code)) throw error;
      return undefined;
    });
}
