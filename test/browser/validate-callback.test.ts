import { expect } from '@open-wc/testing';
import { BankConnectError } from '../../widget/errors.js';
import type { StoredFlow } from '../../widget/authorization/flow-storage.js';
import { validateCallback } from '../../widget/authorization/validate-callback.js';

const FLOW: StoredFlow = {
  version: 1,
  flowId: 'flow-1',
  state: 'state-1',
  codeVerifier: 'v'.repeat(43),
  issuer: 'https://bank.example',
  issParameterSupported: true,
  expiresAt: '2030-01-01T00:00:00Z',
  reconnect: false,
};

const GOOD = { code: 'code-1', state: FLOW.state, iss: FLOW.issuer };

/** The code of the error `validateCallback` throws for this response, or `undefined`. */
function failureOf(response: string | Record<string, string>, flow = FLOW): string | undefined {
  try {
    validateCallback(new URLSearchParams(response), flow);
    return undefined;
  } catch (error) {
    if (!(error instanceof BankConnectError)) throw error;
    return error.code;
  }
}

describe('validating the bank’s authorization response', () => {
  it('turns a code, the flow’s state and the bank’s iss into the completion request', async () => {
    await expect(validateCallback(new URLSearchParams(GOOD), FLOW)).to.deep.equal({
      kind: 'code',
      request: {
        code: 'code-1',
        state: FLOW.state,
        codeVerifier: FLOW.codeVerifier,
        iss: FLOW.issuer,
      },
    });
  });

  it('accepts no iss from a bank that does not send one, and sends none on', async () => {
    const flow = { ...FLOW, issParameterSupported: false };
    await expect(
      validateCallback(new URLSearchParams({ code: 'c', state: FLOW.state }), flow),
    ).to.deep.equal({
      kind: 'code',
      request: { code: 'c', state: FLOW.state, codeVerifier: FLOW.codeVerifier },
    });
  });

  it('refuses a missing or foreign iss with ISSUER_MISMATCH (RFC 9207 §2.4)', async () => {
    await expect(failureOf({ code: 'c', state: FLOW.state })).to.equal('ISSUER_MISMATCH');
    await expect(failureOf({ ...GOOD, iss: 'https://evil.example' })).to.equal('ISSUER_MISMATCH');
    const flow = { ...FLOW, issParameterSupported: false };
    await expect(failureOf({ ...GOOD, iss: 'https://evil.example' }, flow)).to.equal(
      'ISSUER_MISMATCH',
    );
    await expect(failureOf({ error: 'access_denied', state: FLOW.state, iss: 'x' })).to.equal(
      'ISSUER_MISMATCH',
    );
  });

  it('refuses a missing or other state with STATE_MISMATCH', async () => {
    await expect(failureOf({ code: 'c', iss: FLOW.issuer })).to.equal('STATE_MISMATCH');
    await expect(failureOf({ ...GOOD, state: 'forged' })).to.equal('STATE_MISMATCH');
    await expect(failureOf({ error: 'access_denied', state: 'forged', iss: FLOW.issuer })).to.equal(
      'STATE_MISMATCH',
    );
  });

  it('reads access_denied as the customer’s refusal and any other error as BANK_ERROR', async () => {
    const denied = { error: 'access_denied', state: FLOW.state, iss: FLOW.issuer };
    await expect(validateCallback(new URLSearchParams(denied), FLOW)).to.deep.equal({
      kind: 'denied',
    });
    await expect(failureOf({ ...denied, error: 'server_error' })).to.equal('BANK_ERROR');
  });

  it('refuses a repeated parameter, a JARM or implicit answer, and a missing code with INVALID_CALLBACK', async () => {
    for (const name of ['code', 'state', 'iss', 'error']) {
      const response = new URLSearchParams(GOOD);
      response.append(name, 'again');
      response.append(name, 'and again');
      await expect(failureOf(response.toString()), name).to.equal('INVALID_CALLBACK');
    }
    for (const name of ['response', 'id_token', 'token']) {
      await expect(failureOf({ ...GOOD, [name]: 'x' }), name).to.equal('INVALID_CALLBACK');
    }
    await expect(failureOf({ state: FLOW.state, iss: FLOW.issuer })).to.equal('INVALID_CALLBACK');
    await expect(failureOf({ ...GOOD, code: '' })).to.equal('INVALID_CALLBACK');
  });
});
