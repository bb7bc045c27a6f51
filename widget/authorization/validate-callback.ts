import type { CompleteFlowRequest } from '../contract.js';
import { BankConnectError } from '../errors.js';
import type { StoredFlow } from './flow-storage.js';

/** What a bank's authorization response means for the flow. */
export type CallbackOutcome = { kind: 'code'; request: CompleteFlowRequest } | { kind: 'denied' };

/** Parameters of this response that may appear once at most (RFC 6749 §3.1). */
const SINGLE = ['code', 'state', 'iss', 'error'];

/** Parameters of responses this flow never asks for: JARM's `response`, implicit and hybrid tokens. */
const FOREIGN = ['response', 'id_token', 'token'];

/**
 * Validates the bank's authorization response (RFC 6749 §4.1.2, RFC 9207 §2.4 `iss`, RFC 6749
 * §10.12 `state`) and turns it into the body of `POST /v1/flows/{id}/complete`. The BFF checks
 * state, `iss` and the verifier again, with oauth4webapi, before the code reaches the bank: this
 * check is the page's own, so that a forged or foreign answer never leaves it, and says which
 * check failed. `access_denied` is the customer's refusal, not an error.
 */
export function validateCallback(response: URLSearchParams, flow: StoredFlow): CallbackOutcome {
  const iss = response.get('iss');
  if (iss === null ? flow.issParameterSupported : iss !== flow.issuer) {
    throw new BankConnectError('ISSUER_MISMATCH', 'the iss parameter does not match the bank');
  }
  if (response.get('state') !== flow.state) {
    throw new BankConnectError('STATE_MISMATCH', 'the state parameter does not match the flow');
  }
  if (
    SINGLE.some((name) => response.getAll(name).length > 1) ||
    FOREIGN.some((name) => response.has(name))
  ) {
    throw new BankConnectError('INVALID_CALLBACK', 'the authorization response is malformed');
  }
  const error = response.get('error');
  if (error === 'access_denied') return { kind: 'denied' };
  if (error !== null) throw new BankConnectError('BANK_ERROR', `the bank answered error ${error}`);
  const code = response.get('code');
  if (!code) {
    throw new BankConnectError('INVALID_CALLBACK', 'the authorization response has no code');
  }
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
