import {
  AuthorizationResponseError,
  validateAuthResponse,
  type AuthorizationServer,
  type Client,
} from 'oauth4webapi';
import type { CompleteFlowRequest } from '../contract.js';
import { BankConnectError } from '../errors.js';
import type { StoredFlow } from './flow-storage.js';

/** The widget's stand-in client: the BFF's real client id is none of the page's business. */
const CLIENT: Client = { client_id: 'bank-connect' };

/** What a bank's authorization response means for the flow. */
export type CallbackOutcome = { kind: 'code'; request: CompleteFlowRequest } | { kind: 'denied' };

/**
 * Validates the bank's authorization response (RFC 6749 §4.1.2, RFC 9207 §2.4 `iss`, RFC 6749
 * §10.12 `state`) with oauth4webapi, and turns it into the body of `POST /v1/flows/{id}/complete`.
 * `access_denied` is the customer's refusal, not an error.
 */
export function validateCallback(response: URLSearchParams, flow: StoredFlow): CallbackOutcome {
  const as: AuthorizationServer = {
    issuer: flow.issuer,
    authorization_response_iss_parameter_supported: flow.issParameterSupported,
  };
  let params: URLSearchParams;
  try {
    params = validateAuthResponse(as, CLIENT, response, flow.state);
  } catch (cause) {
    if (cause instanceof AuthorizationResponseError) {
      if (cause.error === 'access_denied') return { kind: 'denied' };
      throw new BankConnectError('BANK_ERROR', `the bank answered error ${cause.error}`, { cause });
    }
    const iss = response.get('iss');
    if ((iss === null && flow.issParameterSupported) || (iss !== null && iss !== flow.issuer)) {
      throw new BankConnectError('ISSUER_MISMATCH', 'the iss parameter does not match the bank', {
        cause,
      });
    }
    if (response.get('state') !== flow.state) {
      throw new BankConnectError('STATE_MISMATCH', 'the state parameter does not match the flow', {
        cause,
      });
    }
    throw new BankConnectError('INVALID_CALLBACK', 'the authorization response is malformed', {
      cause,
    });
  }
  const code = params.get('code');
  if (!code) {
    throw new BankConnectError('INVALID_CALLBACK', 'the authorization response has no code');
  }
  const iss = params.get('iss');
  return {
    kind: 'code',
    request: {
      code,
      state: flow.state,
      codeVerifier: flow.codeVerifier,
      ...(iss === null ? {} : { iss }),
    },
  };
}
