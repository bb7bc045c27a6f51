import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type {
  AccountList,
  AspspDirectory,
  SessionInfo,
} from '../../backend-for-frontend/contract/index.js';
import {
  completeFlow,
  flowRequestBody,
  PARTNER_ORIGIN,
  readError,
  requestCompletion,
  RETURN_TO,
  returnFromBank,
  startFlow,
  startTestBff,
  type TestBff,
} from '../support/bff.js';
import { createPkce, driveConsent } from '../support/consent-driver.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';

describe('BFF consent flows against the sandbox banks', () => {
  let sandbox: TestSandbox;
  let bff: TestBff;
  before(async () => {
    sandbox = await startTestSandbox();
    bff = await startTestBff(sandbox);
  });
  after(async () => {
    await bff.stop();
    await sandbox.stop();
  });

  it('serves the bank directory without endpoints, with an ETag', async () => {
    const response = await bff.call('GET', '/v1/aspsps');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), PARTNER_ORIGIN);
    const text = await response.text();
    const directory = JSON.parse(text) as AspspDirectory;
    assert.deepEqual(directory.aspsps.map((aspsp) => aspsp.id).sort(), [
      'azur',
      'bocage',
      'lumiere',
      'mistral',
    ]);
    assert.doesNotMatch(text, /token|authorize|https:\/\/localhost:\d+\/\w+\/v1/);
    const etag = response.headers.get('etag') ?? '';
    const again = await bff.call('GET', '/v1/aspsps', { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
  });

  for (const aspsp of ['azur', 'bocage', 'lumiere', 'mistral']) {
    it(`connects ${aspsp} end to end and reads the accounts with the handle only`, async () => {
      const session = await bff.connect(aspsp);
      assert.match(session.sessionHandle, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(session.aspsp, aspsp);
      assert.equal(session.status, 'active');
      assert.equal(session.accounts.length, 3);
      const accounts = await bff.call('GET', '/v1/accounts', { handle: session.sessionHandle });
      assert.equal(accounts.status, 200);
      const list = (await accounts.json()) as AccountList;
      assert.equal(list.accounts.length, 3);
    });
  }

  it('answers the authorization URL with state and an S256 challenge, nothing secret', async () => {
    const started = await startFlow(bff, 'azur');
    const url = new URL(started.flow.authorizationUrl);
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(url.searchParams.get('state'), started.state);
    assert.equal(url.searchParams.get('redirect_uri'), `${bff.url}/v1/callback`);
    assert.equal(
      url.searchParams.get('code_challenge'),
      createHash('sha256').update(started.verifier).digest('base64url'),
    );
    assert.equal(started.flow.issuer, `${sandbox.mtlsOrigin}/azur`);
    assert.equal(started.flow.issParameterSupported, true);
  });

  it('posts the result to the opener with the exact flow origin in popup mode', async () => {
    const started = await startFlow(bff, 'mistral', { mode: 'popup' });
    const back = await driveConsent(started.flow.authorizationUrl);
    const page = await fetch(back, { redirect: 'manual' });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.equal(page.headers.get('cross-origin-opener-policy'), 'unsafe-none');
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/=]+'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    const html = await page.text();
    const data = JSON.parse(
      /<script type="application\/json" id="bank-connect-result">([^<]*)<\/script>/.exec(
        html,
      )?.[1] ?? '{}',
    ) as {
      message: { type: string; flowId: string; response: string };
      targetOrigin: string;
      fallback: string;
    };
    assert.equal(data.targetOrigin, PARTNER_ORIGIN);
    assert.equal(data.message.type, 'bank-connect:callback');
    assert.equal(data.message.flowId, started.flow.flowId);
    assert.ok(new URLSearchParams(data.message.response).get('code'));
    assert.ok(data.fallback.startsWith(`${RETURN_TO}#bank_connect_flow=${started.flow.flowId}&`));
  });

  it('sends the result in the fragment, never the query, in redirect mode', async () => {
    const started = await startFlow(bff, 'azur');
    const back = await driveConsent(started.flow.authorizationUrl);
    const callback = await fetch(back, { redirect: 'manual' });
    assert.equal(callback.status, 303);
    const location = new URL(callback.headers.get('location') ?? '');
    assert.equal(`${location.origin}${location.pathname}${location.search}`, RETURN_TO);
    const fragment = new URLSearchParams(location.hash.slice(1));
    assert.equal(fragment.get('bank_connect_flow'), started.flow.flowId);
    assert.ok(fragment.get('code'));
    assert.equal(callback.headers.get('referrer-policy'), 'no-referrer');
  });

  it('forwards a cancellation at the bank as access_denied', async () => {
    const started = await startFlow(bff, 'azur');
    const fragment = await returnFromBank(bff, started, { cancelAt: 'login' });
    assert.equal(fragment.get('error'), 'access_denied');
    assert.equal(fragment.get('code'), null);
  });

  it('sets a __Host- cookie in cookie mode, which never works without the custom header', async () => {
    const cookieBff = await startTestBff(sandbox, { env: { BFF_COOKIE_MODE: 'true' } });
    try {
      const started = await startFlow(cookieBff, 'azur');
      const fragment = await returnFromBank(cookieBff, started);
      const response = await requestCompletion(cookieBff, started, fragment);
      assert.equal(response.status, 200);
      const cookie = response.headers.get('set-cookie') ?? '';
      assert.match(cookie, /^__Host-bank-connect-session=[A-Za-z0-9_-]{43};/);
      assert.match(cookie, /; HttpOnly/);
      assert.match(cookie, /; Secure/);
      assert.match(cookie, /; SameSite=Strict/);
      assert.match(cookie, /; Path=\//);
      assert.doesNotMatch(cookie, /Domain=/);
      const jar = cookie.split(';')[0] ?? '';
      const withHeader = await cookieBff.call('GET', '/v1/accounts', { headers: { Cookie: jar } });
      assert.equal(withHeader.status, 200);
      assert.equal(withHeader.headers.get('access-control-allow-credentials'), 'true');
      const forged = await cookieBff.call('GET', '/v1/accounts', {
        headers: { Cookie: jar },
        csrf: false,
      });
      assert.equal(forged.status, 403);
      assert.equal((await readError(forged)).error, 'csrf_header_missing');
      const deleted = await cookieBff.call('DELETE', '/v1/session', { headers: { Cookie: jar } });
      assert.equal(deleted.status, 204);
      assert.match(deleted.headers.get('set-cookie') ?? '', /__Host-bank-connect-session=;/);
    } finally {
      await cookieBff.stop();
    }
  });

  it('limits how many flows one address may start', async () => {
    const limited = await startTestBff(sandbox, { env: { BFF_FLOWS_PER_MINUTE: '3' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await startFlowRaw(limited, {})).status);
      assert.deepEqual(statuses, [201, 201, 201, 429, 429]);
      const refused = await startFlowRaw(limited, {});
      assert.ok(Number(refused.headers.get('retry-after')) > 0);
      assert.equal((await readError(refused)).error, 'rate_limited');
    } finally {
      await limited.stop();
    }
  });

  describe('refusals', () => {
    it('refuses a callback for an unknown state, and a second callback for the same flow', async () => {
      const unknown = await fetch(`${bff.url}/v1/callback?state=nobody-knows-this-state&code=x`, {
        redirect: 'manual',
      });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.headers.get('location'), null);
      const started = await startFlow(bff, 'azur');
      const back = await driveConsent(started.flow.authorizationUrl);
      assert.equal((await fetch(back, { redirect: 'manual' })).status, 303);
      const replay = await fetch(back, { redirect: 'manual' });
      assert.equal(replay.status, 409);
    });

    it('refuses a state that does not match the flow', async () => {
      const started = await startFlow(bff, 'azur');
      const fragment = await returnFromBank(bff, started);
      const response = await requestCompletion(bff, started, fragment, undefined, {
        state: createPkce().verifier,
      });
      assert.equal(response.status, 400);
      assert.equal((await readError(response)).error, 'state_mismatch');
    });

    it('refuses a wrong verifier before calling the bank', async () => {
      const started = await startFlow(bff, 'azur');
      const fragment = await returnFromBank(bff, started);
      await sandbox.admin('DELETE', '/banks/azur/calls');
      const response = await requestCompletion(bff, started, fragment, undefined, {
        codeVerifier: createPkce().verifier,
      });
      assert.equal((await readError(response)).error, 'pkce_mismatch');
      const calls = (await (await sandbox.admin('GET', '/banks/azur/calls')).json()) as Record<
        string,
        number
      >;
      assert.equal(calls['POST /token authorization_code'], undefined, 'the bank was never called');
      // The right verifier still completes: a forged attempt does not burn the flow.
      const session = await completeFlow(bff, started, fragment);
      assert.equal(session.aspsp, 'azur');
    });

    it('refuses an iss that is not the bank’s (mix-up defence, RFC 9207)', async () => {
      const started = await startFlow(bff, 'azur');
      const fragment = await returnFromBank(bff, started);
      const forged = await requestCompletion(bff, started, fragment, undefined, {
        iss: `${sandbox.mtlsOrigin}/mistral`,
      });
      assert.equal((await readError(forged)).error, 'issuer_mismatch');
      const missing = new URLSearchParams(fragment);
      missing.delete('iss');
      const withoutIss = await requestCompletion(bff, started, missing);
      assert.equal((await readError(withoutIss)).error, 'issuer_mismatch');
    });

    it('completes twice harmlessly with the same verifier, and refuses a replay with another', async () => {
      const started = await startFlow(bff, 'bocage');
      const fragment = await returnFromBank(bff, started);
      const [first, second] = await Promise.all([
        completeFlow(bff, started, fragment),
        completeFlow(bff, started, fragment),
      ]);
      assert.equal(first.sessionHandle, second.sessionHandle);
      const third = await completeFlow(bff, started, fragment);
      assert.equal(third.sessionHandle, first.sessionHandle);
      const replay = await requestCompletion(bff, started, fragment, undefined, {
        codeVerifier: createPkce().verifier,
      });
      assert.equal((await readError(replay)).error, 'pkce_mismatch');
    });

    it('refuses an expired flow', async () => {
      let now = Date.now();
      const clocked = await startTestBff(sandbox, { now: () => now });
      try {
        const started = await startFlow(clocked, 'azur');
        const fragment = await returnFromBank(clocked, started);
        now += 11 * 60_000;
        const response = await requestCompletion(clocked, started, fragment);
        assert.equal(response.status, 410);
        assert.equal((await readError(response)).error, 'flow_expired');
      } finally {
        await clocked.stop();
      }
    });

    it('refuses flows from an origin that is not allowed, and CORS preflights from it', async () => {
      const response = await bff.call('GET', '/v1/aspsps', { origin: 'https://evil.example' });
      assert.equal(response.status, 403);
      assert.equal(response.headers.get('access-control-allow-origin'), null);
      assert.equal((await readError(response)).error, 'origin_not_allowed');
      const preflight = await fetch(`${bff.url}/v1/flows`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
      });
      assert.equal(preflight.status, 403);
      assert.equal(preflight.headers.get('access-control-allow-origin'), null);
      const allowed = await fetch(`${bff.url}/v1/flows`, {
        method: 'OPTIONS',
        headers: { Origin: PARTNER_ORIGIN, 'Access-Control-Request-Method': 'POST' },
      });
      assert.equal(allowed.status, 204);
      assert.equal(allowed.headers.get('access-control-allow-origin'), PARTNER_ORIGIN);
      assert.equal(allowed.headers.get('access-control-allow-credentials'), null);
      const noOrigin = await startFlowRaw(bff, { origin: null });
      assert.equal((await readError(noOrigin)).error, 'origin_not_allowed');
    });

    it('refuses a returnTo off the calling origin (no open redirect)', async () => {
      for (const returnTo of [
        'https://evil.example/connect',
        '//evil.example/connect',
        'javascript:alert(1)',
        'https://partner.example.evil.example/',
        'https://user:pass@partner.example/',
        'http://partner.example/connect',
        '/connect',
      ]) {
        const response = await startFlowRaw(bff, { returnTo });
        assert.ok(
          response.status === 400 || response.status === 403,
          `${returnTo}: ${response.status}`,
        );
      }
    });

    it('requires the custom CSRF header on every API call', async () => {
      const response = await bff.call('GET', '/v1/aspsps', { csrf: false });
      assert.equal(response.status, 403);
      assert.equal((await readError(response)).error, 'csrf_header_missing');
    });

    it('requires a session handle for session and data endpoints', async () => {
      for (const route of ['/v1/session', '/v1/accounts', '/v1/identity']) {
        const response = await bff.call('GET', route);
        assert.equal(response.status, 401, route);
        assert.equal((await readError(response)).error, 'session_required');
      }
      const guessed = await bff.call('GET', '/v1/session', {
        handle: createPkce().verifier.slice(0, 43),
      });
      assert.equal((await readError(guessed)).error, 'session_required');
      const malformed = await bff.call('GET', '/v1/session', {
        headers: { Authorization: 'Bearer not a handle' },
      });
      assert.equal(malformed.status, 401);
    });

    it('validates flow input strictly and names the field', async () => {
      const cases: Array<[Record<string, unknown>, RegExp]> = [
        [{ codeChallengeMethod: 'plain' }, /codeChallengeMethod/],
        [{ scopes: ['aisp', 'aisp'] }, /scopes/],
        [{ scopes: ['openid'] }, /scopes/],
        [{ state: 'short' }, /state/],
        [{ extra: true }, /unknown field extra/],
        [{ aspsp: 'nobank' }, /nobank/],
      ];
      for (const [overrides, message] of cases) {
        const response = await startFlowRaw(bff, overrides);
        const error = await readError(response);
        assert.match(error.message, message, JSON.stringify(overrides));
      }
      const text = await bff.call('POST', '/v1/flows', {
        body: 'aspsp=azur',
        headers: { 'Content-Type': 'text/plain' },
      });
      assert.equal((await readError(text)).error, 'unsupported_media_type');
      const big = await bff.call('POST', '/v1/flows', { body: { aspsp: 'x'.repeat(20_000) } });
      assert.equal((await readError(big)).error, 'payload_too_large');
      const broken = await bff.call('POST', '/v1/flows', { body: '{"aspsp":' });
      assert.equal((await readError(broken)).error, 'invalid_request');
    });

    it('reports the session as the page may know it, and forgets it on DELETE', async () => {
      const session = await bff.connect('mistral');
      const info = (await (
        await bff.call('GET', '/v1/session', { handle: session.sessionHandle })
      ).json()) as SessionInfo;
      assert.deepEqual(Object.keys(info).sort(), ['aspsp', 'expiresAt', 'id', 'scopes', 'status']);
      assert.equal(info.id, session.id);
      assert.equal(
        (await bff.call('DELETE', '/v1/session', { handle: session.sessionHandle })).status,
        204,
      );
      assert.equal(
        (await bff.call('GET', '/v1/session', { handle: session.sessionHandle })).status,
        401,
      );
    });
  });
});

async function startFlowRaw(
  bff: TestBff,
  overrides: Record<string, unknown> & { origin?: string | null },
) {
  const { origin, ...body } = overrides;
  return bff.call('POST', '/v1/flows', {
    ...(origin === undefined ? {} : { origin }),
    body: flowRequestBody(body),
  });
}
