import type { BffClient } from '../bff-client.js';
import { hasStrings } from '../bff-client.js';
import type {
  CompleteFlowRequest,
  ConnectedSession,
  CreateFlowRequest,
  CreateFlowResponse,
} from '../contract.js';

/*
 * The BFF calls of the authorization flow, on the element's client: they come with the flow in
 * the consent chunk, so that the entry carries only the calls of the first screens.
 */

/** `POST /v1/flows`: registers state and PKCE challenge, answers the bank's authorize URL. */
export function createFlow(
  client: BffClient,
  body: CreateFlowRequest,
  sessionHandle?: string,
): Promise<CreateFlowResponse> {
  return client.request_<CreateFlowResponse>('POST', 'v1/flows', {
    body,
    sessionHandle,
    check: (flow) =>
      hasStrings(flow, 'flowId authorizationUrl issuer expiresAt') &&
      typeof flow.issParameterSupported === 'boolean',
  });
}

/** `POST /v1/flows/{id}/complete`: hands the code and verifier over; idempotent per verifier. */
export function completeFlow(
  client: BffClient,
  flowId: string,
  body: CompleteFlowRequest,
  sessionHandle?: string,
): Promise<ConnectedSession> {
  return client.request_<ConnectedSession>(
    'POST',
    `v1/flows/${encodeURIComponent(flowId)}/complete`,
    {
      body,
      sessionHandle,
      check: (session) => hasStrings(session, 'sessionHandle aspsp expiresAt'),
    },
  );
}
