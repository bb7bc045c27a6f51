import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildAuthorizeUrl, createPkce, driveConsent } from '../support/consent-driver.js';
import { CLIENT_ID, REDIRECT_URI, startTestSandbox, type TestSandbox } from '../support/sandbox.js';

describe('sandbox GET /authorize and consent pages', () => {
  let sandbox: TestSandbox;
  before(async () => {
    sandbox = await startTestSandbox();
  });
  after(() => sandbox.stop());

  const authorizeUrl = (bank: string, overrides: Record<string, string | undefined> = {}) => {
    const params: Record<string, string> = {};
    const defaults: Record<string, string | undefined> = {
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      scope: 'aisp',
      state: 'state-123',
      code_challenge: createPkce().challenge,
      code_challenge_method: 'S256',
      ...overrides,
    };
    for (const [name, value] of Object.entries(defaults))
      if (value !== undefined) params[name] = value;
    return buildAuthorizeUrl(`${sandbox.browserOrigin}/${bank}/authorize`, params);
  };

  const get = (url: string) => fetch(url, { redirect: 'manual' });
  const redirectParams = (response: Response) => {
    assert.equal(response.status, 303);
    const location = new URL(response.headers.get('location') ?? '');
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT_URI);
    return location.searchParams;
  };

  it('lists the banks with their endpoints and profiles', async () => {
    const response = await fetch(`${sandbox.browserOrigin}/banks`);
    const { banks } = (await response.json()) as { banks: Array<Record<string, unknown>> };
    assert.ok(banks.length >= 3);
    for (const bank of banks) {
      for (const field of [
        'id',
        'name',
        'bic',
        'logo',
        'issuer',
        'authorizationEndpoint',
        'tokenEndpoint',
        'apiBaseUrl',
        'profile',
      ]) {
        assert.ok(bank[field], `${String(bank.id)} has ${field}`);
      }
      assert.match(String(bank.authorizationEndpoint), /^http:\/\/localhost:\d+\/\w+\/authorize$/);
      assert.match(String(bank.tokenEndpoint), /^https:\/\/localhost:\d+\/\w+\/token$/);
    }
    const logo = await fetch(String(banks[0]?.logo));
    assert.equal(logo.headers.get('content-type'), 'image/svg+xml; charset=utf-8');
    assert.match(await logo.text(), /^<svg/);
  });

  it('shows an error page, never a redirect, for an unknown client', async () => {
    const response = await get(authorizeUrl('azur', { client_id: 'PSDFR-ACPR-00000' }));
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('location'), null);
    assert.match(await response.text(), /n’est pas enregistré auprès de Banque Azur/);
  });

  it('shows an error page, never a redirect, for a redirect_uri that is not an exact match', async () => {
    for (const redirect of [
      `${REDIRECT_URI}/`,
      `${REDIRECT_URI}?x=1`,
      'https://evil.example/v1/callback',
      undefined,
    ]) {
      const response = await get(authorizeUrl('azur', { redirect_uri: redirect }));
      assert.equal(response.status, 400, String(redirect));
      assert.equal(response.headers.get('location'), null);
    }
  });

  it('redirects other errors back with error and state', async () => {
    const cases: Array<[Record<string, string | undefined>, string]> = [
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ scope: undefined }, 'invalid_scope'],
      [{ scope: 'aisp openid' }, 'invalid_scope'],
      [{ scope: 'extended_transaction_history' }, 'invalid_scope'],
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge_method: undefined }, 'invalid_request'],
      [{ code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request'],
      [{ code_challenge: 'too-short' }, 'invalid_request'],
    ];
    for (const [overrides, error] of cases) {
      const params = redirectParams(await get(authorizeUrl('azur', overrides)));
      assert.equal(params.get('error'), error, JSON.stringify(overrides));
      assert.equal(params.get('state'), 'state-123');
      assert.equal(params.get('iss'), `${sandbox.mtlsOrigin}/azur`);
    }
  });

  it('requires a state, and refuses repeated parameters', async () => {
    const missing = redirectParams(await get(authorizeUrl('azur', { state: undefined })));
    assert.equal(missing.get('error'), 'invalid_request');
    assert.equal(missing.get('state'), null);
    const repeated = redirectParams(await get(`${authorizeUrl('azur')}&scope=aisp`));
    assert.equal(repeated.get('error'), 'invalid_request');
    assert.match(repeated.get('error_description') ?? '', /scope is repeated/);
  });

  it('lets a bank with optional PKCE accept a request without a challenge', async () => {
    const response = await get(
      authorizeUrl('bocage', { code_challenge: undefined, code_challenge_method: undefined }),
    );
    assert.equal(response.status, 303);
    assert.match(response.headers.get('location') ?? '', /^\/bocage\/authorize\/step\?req=/);
  });

  it('returns code, state and iss after login, SCA and consent', async () => {
    const back = await driveConsent(authorizeUrl('azur'));
    assert.equal(`${back.origin}${back.pathname}`, REDIRECT_URI);
    assert.match(back.searchParams.get('code') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.equal(back.searchParams.get('state'), 'state-123');
    assert.equal(back.searchParams.get('iss'), `${sandbox.mtlsOrigin}/azur`);
  });

  it('leaves iss out where the bank does not support RFC 9207', async () => {
    const back = await driveConsent(authorizeUrl('bocage'));
    assert.ok(back.searchParams.get('code'));
    assert.equal(back.searchParams.get('iss'), null);
  });

  it('answers access_denied when the customer cancels or refuses', async () => {
    for (const choices of [
      { cancelAt: 'login' as const },
      { cancelAt: 'sca' as const },
      { decision: 'refuse' as const },
    ]) {
      const back = await driveConsent(authorizeUrl('mistral'), choices);
      assert.equal(back.searchParams.get('error'), 'access_denied', JSON.stringify(choices));
      assert.equal(back.searchParams.get('state'), 'state-123');
      assert.equal(back.searchParams.get('code'), null);
    }
  });

  it('answers access_denied after three failed security checks', async () => {
    const back = await driveConsent(authorizeUrl('azur'), { login: 'claire.petit', wrongCodes: 3 });
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.match(
      back.searchParams.get('error_description') ?? '',
      /strong customer authentication failed/,
    );
  });

  it('keeps a customer whose SCA always fails from ever reaching consent', async () => {
    const back = await driveConsent(authorizeUrl('azur'), { login: 'claire.petit', wrongCodes: 2 });
    // The third try uses the code the page shows, and still fails: the bank sends her back.
    assert.equal(back.searchParams.get('error'), 'access_denied');
  });

  it('shows an error and stays on the login step after a wrong password', async () => {
    const start = await get(authorizeUrl('azur'));
    const step = new URL(start.headers.get('location') ?? '', sandbox.browserOrigin).href;
    const page = await (await fetch(step)).text();
    const req = /name="req" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const login = await fetch(`${sandbox.browserOrigin}/azur/authorize/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ req, username: 'marie.dupont', password: 'wrong' }).toString(),
    });
    assert.equal(login.status, 303);
    const again = await (await fetch(step)).text();
    assert.match(again, /role="alert"[^>]*>Identifiant ou mot de passe incorrect/);
    assert.match(again, /name="password"/);
    // The error is shown once, not on every later rendering.
    assert.doesNotMatch(await (await fetch(step)).text(), /role="alert"/);
  });

  it('refuses a consent with no account ticked', async () => {
    const back = await driveConsent(authorizeUrl('azur'), { accounts: [] });
    assert.equal(back.origin, sandbox.browserOrigin);
    const page = await (await fetch(back)).text();
    assert.match(page, /Sélectionnez au moins un compte/);
  });

  it('renders pages in English on request, with no script and a strict CSP', async () => {
    const start = await get(authorizeUrl('lumiere'));
    const step = new URL(start.headers.get('location') ?? '', sandbox.browserOrigin);
    const french = await fetch(step);
    const csp = french.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(french.headers.get('cache-control'), 'no-store');
    const frenchPage = await french.text();
    assert.match(frenchPage, /<html lang="fr">/);
    assert.doesNotMatch(frenchPage, /<script|style=|\son\w+=/i);
    step.searchParams.set('lang', 'en');
    const english = await (await fetch(step)).text();
    assert.match(english, /<html lang="en">/);
    assert.match(english, /Customer ID/);
  });

  it('carries an opaque state back unchanged, special characters included', async () => {
    const back = await driveConsent(authorizeUrl('azur', { state: '<script>alert(1)</script>' }));
    assert.equal(back.searchParams.get('state'), '<script>alert(1)</script>');
  });

  it('refuses unknown and expired authorization requests', async () => {
    const unknown = await fetch(`${sandbox.browserOrigin}/azur/authorize/step?req=nope`);
    assert.equal(unknown.status, 400);
    const start = await get(authorizeUrl('azur'));
    const step = new URL(start.headers.get('location') ?? '', sandbox.browserOrigin).href;
    await sandbox.admin('POST', '/banks/azur/clock', { advanceSeconds: 11 * 60 });
    try {
      assert.equal((await fetch(step)).status, 400);
    } finally {
      await sandbox.admin('POST', '/reset');
    }
  });

  it('answers 404 for an unknown bank and 503 when the bank is down', async () => {
    assert.equal((await get(authorizeUrl('nobank'))).status, 404);
    await sandbox.admin('PUT', '/banks/azur/scenario', { down: true });
    try {
      const response = await get(authorizeUrl('azur'));
      assert.equal(response.status, 503);
      assert.match(await response.text(), /maintenance/);
    } finally {
      await sandbox.admin('PUT', '/banks/azur/scenario', {});
    }
  });

  it('never serves the admin API on the browser port', async () => {
    assert.equal((await fetch(`${sandbox.browserOrigin}/__admin/tokens`)).status, 404);
  });
});
