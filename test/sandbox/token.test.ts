import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fetch } from 'undici';
import {
  buildAuthorizeUrl,
  createPkce,
  driveConsent,
  type Pkce,
} from '../support/consent-driver.js';
import { createMtlsAgent } from '../support/mtls.js';
import { CLIENT_ID, REDIRECT_URI, startTestSandbox, type TestSandbox } from '../support/sandbox.js';

interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
  token_type?: string;
  expires_in?: number;
  scope?: string;
  error?: string;
  error_description?: string;
}

describe('sandbox POST /token over mTLS', () => {
  let sandbox: TestSandbox;
  before(async () => {
    sandbox = await startTestSandbox();
  });
  after(() => sandbox.stop());

  /** Runs a consent at `bank` and returns a fresh code with its verifier. */
  const obtainCode = async (bank: string, scope = 'aisp', pkce: Pkce | null = createPkce()) => {
    const params: Record<string, string> = {
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      scope,
      state: 'st',
      ...(pkce ? { code_challenge: pkce.challenge, code_challenge_method: 'S256' } : {}),
    };
    const back = await driveConsent(
      buildAuthorizeUrl(`${sandbox.browserOrigin}/${bank}/authorize`, params),
    );
    const code = back.searchParams.get('code');
    assert.ok(code, `consent at ${bank} returned a code`);
    return { code, verifier: pkce?.verifier };
  };

  const exchange = (
    bank: string,
    code: string,
    verifier: string | undefined,
    extra: Record<string, string> = {},
  ) =>
    sandbox.postToken(bank, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: CLIENT_ID,
      ...(verifier ? { code_verifier: verifier } : {}),
      ...extra,
    });

  const json = async (response: { json(): Promise<unknown> }) =>
    (await response.json()) as TokenResponse;

  it('exchanges a code for bearer tokens, without caching', async () => {
    const { code, verifier } = await obtainCode('azur');
    const response = await exchange('azur', code, verifier);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const body = await json(response);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 300);
    assert.equal(body.scope, 'aisp');
    assert.match(body.access_token ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.match(body.refresh_token ?? '', /^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a TLS connection without a client certificate', async () => {
    const agent = createMtlsAgent(sandbox.pki, 'none');
    try {
      await assert.rejects(sandbox.postToken('azur', { grant_type: 'authorization_code' }, agent));
    } finally {
      await agent.close();
    }
  });

  it('refuses an expired client certificate in the handshake', async () => {
    const agent = createMtlsAgent(sandbox.pki, 'expired-qwac');
    try {
      await assert.rejects(sandbox.postToken('azur', { grant_type: 'authorization_code' }, agent));
    } finally {
      await agent.close();
    }
  });

  it('answers invalid_client when client_id is not the certificate’s organizationIdentifier', async () => {
    const { code, verifier } = await obtainCode('azur');
    const rogue = createMtlsAgent(sandbox.pki, 'rogue-qwac');
    try {
      const response = await sandbox.postToken(
        'azur',
        {
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT_URI,
          client_id: CLIENT_ID,
          code_verifier: verifier ?? '',
        },
        rogue,
      );
      assert.equal(response.status, 401);
      assert.equal((await json(response)).error, 'invalid_client');
    } finally {
      await rogue.close();
    }
    const missing = await sandbox.postToken('azur', { grant_type: 'authorization_code', code });
    assert.equal(missing.status, 401);
    assert.equal((await json(missing)).error, 'invalid_client');
  });

  it('accepts a code once; a replay is invalid_grant and revokes the first tokens', async () => {
    const { code, verifier } = await obtainCode('azur');
    const first = await json(await exchange('azur', code, verifier));
    assert.ok(first.access_token);
    const replay = await exchange('azur', code, verifier);
    assert.equal(replay.status, 400);
    assert.equal((await json(replay)).error, 'invalid_grant');
    const api = await sandbox.callApi('azur', '/accounts', { token: first.access_token });
    assert.equal(api.status, 401);
    const refresh = await sandbox.postToken('azur', {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token ?? '',
      client_id: CLIENT_ID,
    });
    assert.equal((await json(refresh)).error, 'invalid_grant');
  });

  it('lets a code expire after 60 seconds of the bank’s clock', async () => {
    const { code, verifier } = await obtainCode('mistral');
    await sandbox.admin('POST', '/banks/mistral/clock', { advanceSeconds: 61 });
    try {
      const response = await exchange('mistral', code, verifier);
      assert.equal((await json(response)).error_description, 'authorization code expired');
    } finally {
      await sandbox.admin('POST', '/reset');
    }
  });

  it('requires the redirect_uri of the authorization request, byte for byte', async () => {
    const { code, verifier } = await obtainCode('azur');
    const response = await exchange('azur', code, verifier, { redirect_uri: `${REDIRECT_URI}/` });
    assert.equal((await json(response)).error, 'invalid_grant');
  });

  it('verifies PKCE: a wrong or missing verifier is invalid_grant (RFC 7636 §4.6)', async () => {
    const wrong = await obtainCode('azur');
    const response = await exchange('azur', wrong.code, createPkce().verifier);
    assert.match(
      (await json(response)).error_description ?? '',
      /does not match the code_challenge/,
    );
    const missing = await obtainCode('azur');
    const noVerifier = await exchange('azur', missing.code, undefined);
    assert.equal((await json(noVerifier)).error, 'invalid_grant');
  });

  it('accepts a code without PKCE at a bank where PKCE is optional', async () => {
    const { code } = await obtainCode('bocage', 'aisp', null);
    const response = await exchange('bocage', code, undefined);
    assert.equal(response.status, 200);
  });

  it('refuses other content types, repeated parameters and unknown grant types', async () => {
    const asJson = await fetch(`${sandbox.mtlsOrigin}/azur/token`, {
      method: 'POST',
      dispatcher: sandbox.agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code' }),
    });
    assert.equal(asJson.status, 400);
    assert.equal((await json(asJson)).error, 'invalid_request');
    const repeated = await fetch(`${sandbox.mtlsOrigin}/azur/token`, {
      method: 'POST',
      dispatcher: sandbox.agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=refresh_token&client_id=${CLIENT_ID}&client_id=${CLIENT_ID}`,
    });
    assert.match((await json(repeated)).error_description ?? '', /client_id is repeated/);
    const password = await sandbox.postToken('azur', {
      grant_type: 'password',
      client_id: CLIENT_ID,
    });
    assert.equal((await json(password)).error, 'unsupported_grant_type');
  });

  it('answers an oversized body with a JSON error, not a crash', async () => {
    const response = await sandbox.postToken('azur', {
      grant_type: 'authorization_code',
      code: 'x'.repeat(10_000),
    });
    assert.equal(response.status, 413);
    assert.equal((await json(response)).error, 'invalid_request');
  });

  it('rotates refresh tokens where the profile says so; a rotated-out one revokes the consent', async () => {
    const { code, verifier } = await obtainCode('azur');
    const first = await json(await exchange('azur', code, verifier));
    const refresh = (token: string) =>
      sandbox.postToken('azur', {
        grant_type: 'refresh_token',
        refresh_token: token,
        client_id: CLIENT_ID,
      });
    const second = await json(await refresh(first.refresh_token ?? ''));
    assert.ok(second.access_token);
    assert.ok(second.refresh_token);
    assert.notEqual(second.refresh_token, first.refresh_token);
    const reuse = await json(await refresh(first.refresh_token ?? ''));
    assert.equal(reuse.error, 'invalid_grant');
    // Reuse of a rotated token is treated as theft: the newer token dies too (RFC 9700 §4.14.2).
    assert.equal((await json(await refresh(second.refresh_token ?? ''))).error, 'invalid_grant');
  });

  it('keeps the refresh token where the bank does not rotate', async () => {
    const { code, verifier } = await obtainCode('bocage');
    const first = await json(await exchange('bocage', code, verifier));
    for (let i = 0; i < 2; i++) {
      const next = await json(
        await sandbox.postToken('bocage', {
          grant_type: 'refresh_token',
          refresh_token: first.refresh_token ?? '',
          client_id: CLIENT_ID,
        }),
      );
      assert.ok(next.access_token);
      assert.equal(next.refresh_token, undefined);
    }
  });

  it('issues no refresh token where the bank has none, and a 180-day access token', async () => {
    const { code, verifier } = await obtainCode('lumiere');
    const body = await json(await exchange('lumiere', code, verifier));
    assert.equal(body.refresh_token, undefined);
    // The access token lives as long as the consent, which started during the journey.
    assert.ok(
      body.expires_in !== undefined &&
        body.expires_in <= 180 * 86_400 &&
        body.expires_in > 180 * 86_400 - 60,
    );
  });

  it('grants extended_transaction_history once, never on refresh', async () => {
    const { code, verifier } = await obtainCode('mistral', 'aisp extended_transaction_history');
    const first = await json(await exchange('mistral', code, verifier));
    assert.equal(first.scope, 'aisp extended_transaction_history');
    const refreshed = await json(
      await sandbox.postToken('mistral', {
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token ?? '',
        client_id: CLIENT_ID,
      }),
    );
    assert.equal(refreshed.scope, 'aisp');
  });

  it('lets refresh tokens expire with the consent (90 days at azur)', async () => {
    const { code, verifier } = await obtainCode('azur');
    const first = await json(await exchange('azur', code, verifier));
    await sandbox.admin('POST', '/banks/azur/clock', { advanceSeconds: 90 * 86_400 + 1 });
    try {
      const response = await sandbox.postToken('azur', {
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token ?? '',
        client_id: CLIENT_ID,
      });
      assert.equal((await json(response)).error_description, 'refresh token expired');
    } finally {
      await sandbox.admin('POST', '/reset');
    }
  });

  it('answers 503 when the bank is down and counts every call', async () => {
    await sandbox.admin('DELETE', '/banks/bocage/calls');
    await sandbox.admin('PUT', '/banks/bocage/scenario', { down: true });
    try {
      const response = await sandbox.postToken('bocage', {
        grant_type: 'refresh_token',
        refresh_token: 'x',
        client_id: CLIENT_ID,
      });
      assert.equal(response.status, 503);
      assert.equal((await json(response)).error, 'temporarily_unavailable');
    } finally {
      await sandbox.admin('PUT', '/banks/bocage/scenario', {});
    }
    const calls = (await (await sandbox.admin('GET', '/banks/bocage/calls')).json()) as Record<
      string,
      number
    >;
    assert.equal(calls['POST /token refresh_token'], 1);
  });

  it('revokes at /revoke where the bank offers it (RFC 7009)', async () => {
    const { code, verifier } = await obtainCode('mistral');
    const tokens = await json(await exchange('mistral', code, verifier));
    const revoke = await fetch(`${sandbox.mtlsOrigin}/mistral/revoke`, {
      method: 'POST',
      dispatcher: sandbox.agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: tokens.refresh_token ?? '',
        client_id: CLIENT_ID,
      }).toString(),
    });
    assert.equal(revoke.status, 200);
    assert.equal(
      (await sandbox.callApi('mistral', '/accounts', { token: tokens.access_token })).status,
      401,
    );
    const absent = await fetch(`${sandbox.mtlsOrigin}/azur/revoke`, {
      method: 'POST',
      dispatcher: sandbox.agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=x',
    });
    assert.equal(absent.status, 404);
  });
});
