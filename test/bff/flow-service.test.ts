/**
 * The consent flow's state machine, driven through FlowService directly: no HTTP server between
 * the test and the service, but a real SQLite store and the sandbox bank over mutual TLS.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { CreateFlowRequest } from '../../backend-for-frontend/contract/index.js';
import { FlowService } from '../../backend-for-frontend/flows/flow-service.js';
import { startTestBff, PARTNER_ORIGIN, RETURN_TO, type TestBff } from '../support/bff.js';
import { createPkce, driveConsent } from '../support/consent-driver.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';
import { bankCalls } from '../reliability/support/harness.js';

/** The thumbprint of the page's DPoP key: the routes verify the proof, the service binds to it. */
const JKT = 'test-key-thumbprint';

describe('FlowService', () => {
  let sandbox: TestSandbox;
  let bff: TestBff;
  let clock = Date.now();
  let flows: FlowService;

  before(async () => {
    sandbox = await startTestSandbox();
    // The BFF's services on a real store; its HTTP server is not used here.
    bff = await startTestBff(sandbox);
    const { context } = bff.app.bankConnect;
    flows = new FlowService({
      ...context,
      allowedOrigins: [PARTNER_ORIGIN],
      flowTtlSeconds: 600,
      now: () => clock,
    });
  });
  beforeEach(async () => {
    clock = Date.now();
    await sandbox.admin('POST', '/reset');
  });
  after(async () => {
    await bff.stop();
    await sandbox.stop();
  });

  /** Starts a flow at `aspsp` and consents at the bank; answers what the bank sent back. */
  async function consent(aspsp = 'mistral', handle?: string) {
    const pkce = createPkce();
    const request: CreateFlowRequest = {
      aspsp,
      scopes: ['aisp'],
      state: createPkce().verifier,
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
      mode: 'redirect',
      returnTo: RETURN_TO,
    };
    const created = await flows.startFlow({
      request,
      origin: PARTNER_ORIGIN,
      handle,
      dpopJkt: JKT,
    });
    const back = await driveConsent(created.authorizationUrl);
    const answer = back.searchParams;
    const completion = {
      code: answer.get('code') ?? '',
      state: answer.get('state') ?? '',
      ...(answer.get('iss') ? { iss: answer.get('iss') ?? '' } : {}),
      codeVerifier: pkce.verifier,
    };
    return { created, answer, completion, handle };
  }

  const tokenCalls = async (aspsp: string) =>
    (await bankCalls(sandbox, aspsp))['POST /token authorization_code'] ?? 0;

  it('lets each flow come back once, and completes it into a session', async () => {
    const { created, answer, completion } = await consent();
    const outcome = await flows.receiveCallback(answer);
    assert.equal(outcome.kind, 'deliver');
    assert.equal(outcome.kind === 'deliver' && outcome.flow.id, created.flowId);
    assert.deepEqual(await flows.receiveCallback(answer), {
      kind: 'refuse',
      status: 409,
      reason: 'used-flow',
    });
    const session = await flows.completeFlow({
      flowId: created.flowId,
      request: completion,
      origin: PARTNER_ORIGIN,
      dpopJkt: JKT,
    });
    assert.match(session.sessionHandle, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(session.aspsp, 'mistral');
    assert.ok(session.accounts.length > 0);
  });

  it('refuses an answer without a state, with two, or for no flow', async () => {
    for (const [query, reason] of [
      ['code=x', 'missing-state'],
      ['state=a&state=b', 'missing-state'],
      [`state=${createPkce().verifier}`, 'unknown-flow'],
    ] as const) {
      assert.deepEqual(await flows.receiveCallback(new URLSearchParams(query)), {
        kind: 'refuse',
        status: 400,
        reason,
      });
    }
  });

  it('checks the state and the PKCE verifier before the bank hears of the code', async () => {
    const { created, answer, completion } = await consent();
    await flows.receiveCallback(answer);
    const complete = (override: Partial<typeof completion>) =>
      flows.completeFlow({
        flowId: created.flowId,
        request: { ...completion, ...override },
        origin: PARTNER_ORIGIN,
        dpopJkt: JKT,
      });
    await assert.rejects(complete({ state: createPkce().verifier }), { code: 'state_mismatch' });
    await assert.rejects(complete({ codeVerifier: createPkce().verifier }), {
      code: 'pkce_mismatch',
    });
    await assert.rejects(
      flows.completeFlow({
        flowId: created.flowId,
        request: completion,
        origin: 'https://other.example',
        dpopJkt: JKT,
      }),
      { code: 'origin_not_allowed' },
    );
    assert.equal(await tokenCalls('mistral'), 0, 'the bank was never called');
  });

  it('hands an expired flow back as flow_expired and refuses to complete it', async () => {
    const { created, answer, completion } = await consent();
    clock += 601_000;
    const outcome = await flows.receiveCallback(answer);
    assert.equal(outcome.kind === 'deliver' && outcome.response.get('error'), 'flow_expired');
    await assert.rejects(
      flows.completeFlow({
        flowId: created.flowId,
        request: completion,
        origin: PARTNER_ORIGIN,
        dpopJkt: JKT,
      }),
      { code: 'flow_expired' },
    );
    assert.equal(await tokenCalls('mistral'), 0);
  });

  it('spends the code once for concurrent completions, and answers a second one the same session', async () => {
    const { created, answer, completion } = await consent();
    await flows.receiveCallback(answer);
    const input = {
      flowId: created.flowId,
      request: completion,
      origin: PARTNER_ORIGIN,
      dpopJkt: JKT,
    };
    const sessions = await Promise.all([1, 2, 3, 4, 5].map(() => flows.completeFlow(input)));
    assert.equal(new Set(sessions.map((session) => session.sessionHandle)).size, 1);
    const again = await flows.completeFlow(input);
    assert.equal(again.sessionHandle, sessions[0]?.sessionHandle);
    assert.equal(await tokenCalls('mistral'), 1);
  });

  it('completes a reconnect only with the handle of the session it renews, which it keeps', async () => {
    const first = await consent();
    await flows.receiveCallback(first.answer);
    const { sessionHandle } = await flows.completeFlow({
      flowId: first.created.flowId,
      request: first.completion,
      origin: PARTNER_ORIGIN,
      dpopJkt: JKT,
    });
    await assert.rejects(consent('azur', sessionHandle), { code: 'invalid_request' });
    const renewal = await consent('mistral', sessionHandle);
    await flows.receiveCallback(renewal.answer);
    const input = {
      flowId: renewal.created.flowId,
      request: renewal.completion,
      origin: PARTNER_ORIGIN,
      dpopJkt: JKT,
    };
    await assert.rejects(flows.completeFlow(input), { code: 'session_required' });
    const renewed = await flows.completeFlow({ ...input, handle: sessionHandle });
    assert.equal(renewed.sessionHandle, sessionHandle);
  });
});
