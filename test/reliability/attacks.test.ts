/**
 * Attacks on the BFF, one test each: CSRF in cookie mode, CORS from unlisted origins, open
 * redirects through `returnTo`, forged and replayed `state`, code injection, `iss` mix-up,
 * session-handle guessing and timing, hostile JSON, header injection through `X-Request-ID`,
 * and bulk flow creation. Complements the refusals of test/bff/flows.test.ts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Agent, fetch as undiciFetch } from 'undici';
import type { SessionInfo } from '../../backend-for-frontend/contract/index.js';
import { SessionService } from '../../backend-for-frontend/sessions/session-service.js';
import { hashSecret, secretsMatch } from '../../backend-for-frontend/sessions/handles.js';
import type { SessionStore } from '../../backend-for-frontend/sessions/store.js';
import type { TokenSealer } from '../../backend-for-frontend/sessions/sealing.js';
import { createLogger } from '../../backend-for-frontend/logger.js';
import {
  completeFlow,
  flowRequestBody,
  PARTNER_ORIGIN,
  requestCompletion,
  RETURN_TO,
  returnFromBank,
  startFlow,
  startTestBff,
  type StartedFlow,
  type TestBff,
} from '../support/bff.js';
import { createPkce, driveConsent } from '../support/consent-driver.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';
import { assertApiError, bankCalls, hostOf, rawRequest, resetCalls } from './support/harness.js';

const EVIL = 'https://evil.example';

describe('attacks on the BFF', () => {
  let sandbox: TestSandbox;
  let bff: TestBff;
  before(async () => {
    sandbox = await startTestSandbox();
    // Many flows from one test process: the limit itself is tested on its own BFFs below.
    bff = await startTestBff(sandbox, { env: { BFF_FLOWS_PER_MINUTE: '10000' } });
  });
  after(async () => {
    await bff.stop();
    await sandbox.stop();
  });

  const errorOf = async (response: Response) => assertApiError(await response.json());

  describe('CSRF and CORS', () => {
    it('refuses every cookie-authenticated call without the custom header (cookie mode)', async () => {
      const cookieBff = await startTestBff(sandbox, { env: { BFF_COOKIE_MODE: 'true' } });
      try {
        const started = await startFlow(cookieBff, 'azur', { scopes: ['aisp', 'cbpii'] });
        const response = await requestCompletion(
          cookieBff,
          started,
          await returnFromBank(cookieBff, started),
        );
        assert.equal(response.status, 200);
        const jar = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
        assert.match(jar, /^__Host-bank-connect-session=/);
        const { accounts } = (await response.json()) as { accounts: Array<{ id: string }> };

        // What a cross-site form or <img> can send: the cookie, no custom header, simple types.
        const forged: Array<[string, string, Record<string, string>, string?]> = [
          ['DELETE', '/v1/session', {}],
          ['GET', '/v1/session', {}],
          ['GET', '/v1/accounts', {}],
          [
            'POST',
            '/v1/funds-confirmations',
            { 'Content-Type': 'text/plain' },
            JSON.stringify({
              accountId: accounts[0]?.id,
              amount: { amount: '1', currency: 'EUR' },
            }),
          ],
          [
            'POST',
            '/v1/flows',
            { 'Content-Type': 'application/x-www-form-urlencoded' },
            'aspsp=azur',
          ],
          ['GET', '/v1/accounts', { 'X-Bank-Connect': '0' }],
          ['GET', '/v1/accounts', { 'X-Bank-Connect': 'true' }],
          ['GET', '/v1/accounts', { 'X-Bank-Connect': '1, 1' }],
        ];
        for (const [method, route, headers, body] of forged) {
          for (const origin of [EVIL, PARTNER_ORIGIN, null]) {
            const answer = await cookieBff.call(method, route, {
              csrf: false,
              // A form cannot set a DPoP header: that takes a script, and a preflight.
              dpop: false,
              origin,
              headers: { Cookie: jar, ...headers },
              ...(body === undefined ? {} : { body }),
            });
            assert.equal(answer.status, 403, `${method} ${route} ${String(origin)}`);
            const error = await errorOf(answer);
            assert.ok(
              error.error === 'csrf_header_missing' || error.error === 'origin_not_allowed',
              error.error,
            );
            assert.equal(answer.headers.get('set-cookie'), null, 'the cookie is not touched');
          }
        }
        // The session survived every forged DELETE.
        const info = await cookieBff.call('GET', '/v1/session', { headers: { Cookie: jar } });
        assert.equal(info.status, 200);
        assert.equal(((await info.json()) as SessionInfo).status, 'active');
        // Even with the header, a cookie sent from an unlisted origin is refused.
        const crossSite = await cookieBff.call('GET', '/v1/accounts', {
          origin: EVIL,
          headers: { Cookie: jar },
        });
        assert.equal((await errorOf(crossSite)).error, 'origin_not_allowed');
      } finally {
        await cookieBff.stop();
      }
    });

    it('echoes no Access-Control-Allow-Origin to unlisted origins, preflight or actual', async () => {
      const session = await bff.connect('bocage');
      const origins = [
        EVIL,
        'null',
        'https://partner.example.evil.example',
        'https://evil-partner.example',
        'http://partner.example',
        'https://partner.example:8443',
        'https://partner.example.',
        'https://PARTNER.EXAMPLE',
        'https://partner.example/',
        `${PARTNER_ORIGIN}, ${EVIL}`,
        '*',
      ];
      for (const origin of origins) {
        for (const [method, route] of [
          ['POST', '/v1/flows'],
          ['DELETE', '/v1/session'],
          ['GET', '/v1/accounts'],
        ] as const) {
          const preflight = await fetch(`${bff.url}${route}`, {
            method: 'OPTIONS',
            headers: {
              Origin: origin,
              'Access-Control-Request-Method': method,
              'Access-Control-Request-Headers': 'authorization, x-bank-connect, content-type',
            },
          });
          assert.equal(preflight.status, 403, `preflight ${origin} ${method}`);
          assert.equal(preflight.headers.get('access-control-allow-origin'), null, origin);
          assert.equal(preflight.headers.get('access-control-allow-methods'), null, origin);
          assert.equal(preflight.headers.get('access-control-allow-credentials'), null, origin);
        }
        // The actual request, with a valid handle: refused, nothing readable cross-origin.
        const actual = await bff.call('GET', '/v1/accounts', {
          origin,
          handle: session.sessionHandle,
        });
        assert.equal(actual.status, 403, origin);
        assert.equal(actual.headers.get('access-control-allow-origin'), null, origin);
        const text = await actual.text();
        assert.equal(assertApiError(JSON.parse(text)).error, 'origin_not_allowed');
        assert.doesNotMatch(text, /iban|FR76/i);
        const flow = await bff.call('POST', '/v1/flows', { origin, body: flowRequestBody() });
        assert.equal(flow.status, 403, origin);
        assert.equal(flow.headers.get('access-control-allow-origin'), null);
      }
    });
  });

  describe('open redirect through returnTo', () => {
    const attempts: Array<[string, string]> = [
      ['another host', 'https://evil.example/connect'],
      ['a scheme-relative URL', '//evil.example/connect'],
      ['a javascript: URL', 'javascript:alert(document.domain)'],
      ['a javascript: URL with a tab', 'java\tscript:alert(1)'],
      ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
      ['a backslash authority', 'https:\\\\evil.example/connect'],
      ['a mixed-slash authority', 'https:/\\evil.example/connect'],
      ['a backslash after the host', 'https://evil.example\\@partner.example/'],
      ['an encoded scheme-relative path', '%2F%2Fevil.example'],
      ['an encoded authority', 'https:%2F%2Fevil.example/connect'],
      ['userinfo that points elsewhere', 'https://partner.example@evil.example/connect'],
      ['userinfo on the partner host', 'https://evil.example@partner.example/connect'],
      ['an IDN homograph (Cyrillic a)', 'https://p\u0430rtner.example/connect'],
      ['a punycode look-alike', 'https://xn--prtner-2wf.example/connect'],
      ['a trailing-dot host', 'https://partner.example./connect'],
      ['a different port', 'https://partner.example:8443/connect'],
      ['the partner as a subdomain', 'https://partner.example.evil.example/connect'],
      ['plain http', 'http://partner.example/connect'],
      ['a relative path', '/connect'],
      ['a leading space', ' https://evil.example/'],
      ['an upper-case other host', 'HTTPS://EVIL.EXAMPLE/'],
      ['a file: URL', 'file:///etc/passwd'],
      ['an empty value', ''],
      ['a very long value', `${RETURN_TO}?${'a'.repeat(3000)}`],
    ];
    for (const [name, returnTo] of attempts) {
      it(`refuses a returnTo with ${name}`, async () => {
        const response = await bff.call('POST', '/v1/flows', {
          body: flowRequestBody({ returnTo }),
        });
        assert.ok(response.status === 400 || response.status === 403, `${response.status}`);
        const error = await errorOf(response);
        assert.ok(
          error.error === 'invalid_request' || error.error === 'origin_not_allowed',
          error.error,
        );
      });
    }

    it('accepts a returnTo on the calling origin and redirects only there', async () => {
      const response = await bff.call('POST', '/v1/flows', {
        body: flowRequestBody({ returnTo: `${PARTNER_ORIGIN}/a/../connect?x=1#drop` }),
      });
      assert.equal(response.status, 201);
    });
  });

  describe('state', () => {
    it('refuses a state from another flow, before the bank is called', async () => {
      const victim = await startFlow(bff, 'azur');
      const victimFragment = await returnFromBank(bff, victim);
      const other = await startFlow(bff, 'azur');
      const otherFragment = await returnFromBank(bff, other);
      await resetCalls(sandbox, 'azur');
      // The other flow's own code, with the victim flow's state.
      const response = await requestCompletion(bff, other, otherFragment, undefined, {
        state: victim.state,
      });
      assert.equal(response.status, 400);
      assert.equal((await errorOf(response)).error, 'state_mismatch');
      assert.equal((await bankCalls(sandbox, 'azur'))['POST /token authorization_code'], undefined);
      // Both flows still complete with their own proofs.
      assert.equal((await completeFlow(bff, victim, victimFragment)).aspsp, 'azur');
      assert.equal((await completeFlow(bff, other, otherFragment)).aspsp, 'azur');
    });

    it('refuses a state that was never issued, at the callback and at completion', async () => {
      const forged = createPkce().verifier;
      const callback = await fetch(`${bff.url}/v1/callback?state=${forged}&code=abc`, {
        redirect: 'manual',
      });
      assert.equal(callback.status, 400);
      assert.equal(callback.headers.get('location'), null);
      const started = await startFlow(bff, 'mistral');
      const fragment = await returnFromBank(bff, started);
      const response = await requestCompletion(bff, started, fragment, undefined, {
        state: forged,
      });
      assert.equal((await errorOf(response)).error, 'state_mismatch');
      const duplicate = await fetch(
        `${bff.url}/v1/callback?state=${started.state}&state=${forged}&code=abc`,
        { redirect: 'manual' },
      );
      assert.equal(duplicate.status, 400, 'two states are refused');
    });

    it('refuses a replayed state: reusing it for a new flow or a second callback', async () => {
      const started = await startFlow(bff, 'azur');
      const reuse = await bff.call('POST', '/v1/flows', {
        body: flowRequestBody({ state: started.state }),
      });
      assert.equal(reuse.status, 400);
      assert.match((await errorOf(reuse)).message, /state/);
      const back = await driveConsent(started.flow.authorizationUrl);
      assert.equal((await fetch(back, { redirect: 'manual' })).status, 303);
      await completeFlow(bff, started, new URLSearchParams(back.search));
      const replayed = await fetch(back, { redirect: 'manual' });
      assert.equal(replayed.status, 409);
      assert.equal(replayed.headers.get('location'), null);
    });
  });

  describe('code injection and mix-up', () => {
    const attackerFlow = async (aspsp: string): Promise<[StartedFlow, URLSearchParams]> => {
      const started = await startFlow(bff, aspsp);
      return [started, await returnFromBank(bff, started, { login: 'luc.martin' })];
    };

    it('refuses a victim’s code with the attacker’s verifier on the victim’s flow, without calling the bank', async () => {
      const victim = await startFlow(bff, 'mistral');
      const leaked = await returnFromBank(bff, victim);
      const [attacker] = await attackerFlow('mistral');
      await resetCalls(sandbox, 'mistral');
      // The leaked redirect carries code, state and iss; the verifier never left the victim's page.
      const response = await requestCompletion(bff, victim, leaked, undefined, {
        codeVerifier: attacker.verifier,
      });
      assert.equal(response.status, 400);
      assert.equal((await errorOf(response)).error, 'pkce_mismatch');
      assert.deepEqual(await bankCalls(sandbox, 'mistral'), {}, 'the bank was never called');
      // The victim still completes: the attempt did not burn the code.
      assert.equal((await completeFlow(bff, victim, leaked)).aspsp, 'mistral');
    });

    it('refuses a victim’s code with the victim’s state on the attacker’s flow, without calling the bank', async () => {
      const victim = await startFlow(bff, 'mistral');
      const leaked = await returnFromBank(bff, victim);
      const [attacker] = await attackerFlow('mistral');
      await resetCalls(sandbox, 'mistral');
      const response = await requestCompletion(bff, attacker, leaked);
      assert.equal(response.status, 400);
      assert.equal((await errorOf(response)).error, 'state_mismatch');
      assert.deepEqual(await bankCalls(sandbox, 'mistral'), {}, 'the bank was never called');
      assert.equal((await completeFlow(bff, victim, leaked)).aspsp, 'mistral');
    });

    it('refuses a victim’s code injected into the attacker’s own flow: no session for the attacker', async () => {
      const victim = await startFlow(bff, 'azur');
      const leaked = await returnFromBank(bff, victim);
      const [attacker, own] = await attackerFlow('azur');
      await resetCalls(sandbox, 'azur');
      // Every BFF check passes (attacker's flow, state and verifier): only the code is the
      // victim's. The code is opaque to the BFF, so the bank's PKCE check is what stops it.
      const response = await requestCompletion(bff, attacker, own, undefined, {
        code: leaked.get('code'),
      });
      assert.equal(response.status, 400);
      const error = await errorOf(response);
      assert.equal(error.error, 'authorization_failed');
      assert.equal(JSON.stringify(error).includes(leaked.get('code') ?? '-'), false);
      const calls = await bankCalls(sandbox, 'azur');
      assert.equal(calls['POST /token authorization_code'], 1, 'refused by the bank’s PKCE check');
      assert.equal(calls['GET /accounts'], undefined, 'no data was read');
    });

    it('refuses a code from bank A on a flow for bank B, whatever iss says (RFC 9207 mix-up)', async () => {
      const atAzur = await startFlow(bff, 'azur');
      const azurFragment = await returnFromBank(bff, atAzur);
      const atMistral = await startFlow(bff, 'mistral');
      const mistralFragment = await returnFromBank(bff, atMistral);
      await resetCalls(sandbox, 'azur');
      await resetCalls(sandbox, 'mistral');
      // Azur's code and iss on Mistral's flow (with Mistral's own state and verifier).
      const honestIss = await requestCompletion(bff, atMistral, mistralFragment, undefined, {
        code: azurFragment.get('code'),
        iss: azurFragment.get('iss'),
      });
      assert.equal(honestIss.status, 400);
      assert.equal((await errorOf(honestIss)).error, 'issuer_mismatch');
      assert.deepEqual(await bankCalls(sandbox, 'azur'), {});
      assert.deepEqual(await bankCalls(sandbox, 'mistral'), {});
      // Iss of an unknown or other issuer: refused before any bank call too.
      for (const iss of [
        `${sandbox.mtlsOrigin}/bocage`,
        'https://evil.example',
        `${atMistral.flow.issuer}/`,
      ]) {
        const forged = await requestCompletion(bff, atMistral, mistralFragment, undefined, { iss });
        assert.equal((await errorOf(forged)).error, 'issuer_mismatch', iss);
      }
      assert.deepEqual(await bankCalls(sandbox, 'mistral'), {});
      // Azur's code with a forged Mistral iss reaches Mistral, which does not know the code.
      const lyingIss = await requestCompletion(bff, atMistral, mistralFragment, undefined, {
        code: azurFragment.get('code'),
      });
      assert.equal((await errorOf(lyingIss)).error, 'authorization_failed');
      assert.deepEqual(await bankCalls(sandbox, 'azur'), {}, 'azur never saw its code come back');
      // Azur's own flow still completes: its code was never sent to another bank's endpoint
      // through Azur's flow.
      assert.equal((await completeFlow(bff, atAzur, azurFragment)).aspsp, 'azur');
    });

    it('refuses an iss on a flow for a bank that does not send iss (bocage)', async () => {
      const started = await startFlow(bff, 'bocage');
      const fragment = await returnFromBank(bff, started);
      assert.equal(fragment.get('iss'), null);
      const forged = await requestCompletion(bff, started, fragment, undefined, {
        iss: `${sandbox.mtlsOrigin}/azur`,
      });
      assert.equal((await errorOf(forged)).error, 'issuer_mismatch');
    });
  });

  describe('session handles', () => {
    it('answers session_required to random and near-miss handles on every session endpoint', async () => {
      const session = await bff.connect('lumiere');
      const valid = session.sessionHandle;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const flip = (index: number) => {
        const char = valid[index] ?? 'A';
        const other = alphabet[(alphabet.indexOf(char) + 1) % alphabet.length] ?? 'A';
        return `${valid.slice(0, index)}${other}${valid.slice(index + 1)}`;
      };
      const guesses = [
        ...Array.from({ length: 20 }, () => randomBytes(32).toString('base64url')),
        ...Array.from({ length: valid.length }, (_, index) => flip(index)),
        valid.toUpperCase() === valid ? valid.toLowerCase() : valid.toUpperCase(),
        hashSecret(valid),
      ];
      const routes: Array<[string, string]> = [
        ['GET', '/v1/session'],
        ['GET', '/v1/accounts'],
        ['GET', '/v1/identity'],
        ['DELETE', '/v1/session'],
      ];
      for (const guess of guesses) {
        for (const [method, route] of routes) {
          const response = await bff.call(method, route, { handle: guess });
          assert.equal(response.status, 401, `${method} ${route}`);
          assert.equal((await errorOf(response)).error, 'session_required');
        }
      }
      // (Trailing whitespace is not a near miss: HTTP strips it from every header value.)
      const prefixes = [valid.slice(0, 42), `${valid}A`, `${valid}==`, `${valid}.`];
      for (const guess of prefixes) {
        const response = await bff.call('GET', '/v1/session', {
          headers: { Authorization: `Bearer ${guess}` },
        });
        assert.equal((await errorOf(response)).error, 'session_required');
      }
      // The real handle was not disturbed by the DELETEs with near misses.
      assert.equal((await bff.call('GET', '/v1/session', { handle: valid })).status, 200);
    });

    it('looks sessions up by the SHA-256 of the handle, and compares hashes in constant time', async () => {
      const asked: string[] = [];
      const store = {
        getSession: (id: string) => {
          asked.push(id);
          return Promise.resolve(undefined);
        },
      } as unknown as SessionStore;
      const service = new SessionService({
        store,
        sealer: {} as TokenSealer,
        banks: new Map(),
        logger: createLogger({ level: 'silent' }),
        qwacThumbprint: 'unused',
      });
      const handle = randomBytes(32).toString('base64url');
      await assert.rejects(service.findSession(handle), { code: 'session_required' });
      // The store is keyed by the hash: a prefix shared with a stored handle shares nothing
      // with its key, so the store's index comparison reveals nothing about the handle.
      assert.deepEqual(asked, [hashSecret(handle)]);
      assert.notEqual(asked[0], handle);
      assert.equal(secretsMatch(handle, hashSecret(handle)), true);
      assert.equal(secretsMatch(`${handle.slice(0, 42)}x`, hashSecret(handle)), false);
      assert.equal(secretsMatch(handle, 'short'), false, 'length mismatch never throws');
    });

    it('takes statistically the same time for a near-miss handle as for a random one', async () => {
      const session = await bff.connect('azur');
      const valid = session.sessionHandle;
      const nearMiss = `${valid.slice(0, 42)}${valid.endsWith('A') ? 'B' : 'A'}`;
      const timeOne = async (handle: string) => {
        const started = process.hrtime.bigint();
        const response = await bff.call('GET', '/v1/session', { handle });
        await response.arrayBuffer();
        assert.equal(response.status, 401);
        return Number(process.hrtime.bigint() - started) / 1e6;
      };
      for (let i = 0; i < 20; i++) await timeOne(nearMiss); // warm up
      const near: number[] = [];
      const random: number[] = [];
      // Interleaved pairs, so that drift in the machine's load hits both samples alike.
      for (let i = 0; i < 200; i++) {
        const guess = randomBytes(32).toString('base64url');
        if (i % 2 === 0) {
          near.push(await timeOne(nearMiss));
          random.push(await timeOne(guess));
        } else {
          random.push(await timeOne(guess));
          near.push(await timeOne(nearMiss));
        }
      }
      const median = (values: number[]) => {
        const sorted = [...values].sort((x, y) => x - y);
        const middle = sorted.length / 2;
        return ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
      };
      const [a, b] = [median(near), median(random)];
      // The median of paired differences cancels what both requests of a pair share.
      const paired = median(near.map((value, index) => value - (random[index] ?? 0)));
      console.log(
        `timing: median near-miss ${a.toFixed(3)} ms, random ${b.toFixed(3)} ms, paired difference ${paired.toFixed(3)} ms`,
      );
      assert.ok(
        Math.abs(paired) <= Math.max(2, 0.3 * Math.max(a, b)),
        `near-miss ${a.toFixed(3)} ms vs random ${b.toFixed(3)} ms (paired ${paired.toFixed(3)} ms)`,
      );
    });
  });

  describe('hostile bodies and headers', () => {
    const postRaw = (route: string, body: string, handle?: string) =>
      bff.call('POST', route, {
        body,
        ...(handle ? { handle } : {}),
        headers: { 'Content-Type': 'application/json' },
      });

    it('refuses oversized and deeply nested JSON on every POST endpoint without crashing', async () => {
      const session = await bff.connect('bocage', { scopes: ['aisp', 'cbpii'] });
      const routes = [
        '/v1/flows',
        '/v1/flows/AAAAAAAAAAAAAAAAAAAAAA/complete',
        '/v1/funds-confirmations',
      ];
      const depthInLimit = 8_000; // 16,000 bytes: under the 16 KB limit
      const bodies: Array<[string, string, number[]]> = [
        ['17 KB of JSON', JSON.stringify({ aspsp: 'x'.repeat(17_000) }), [413]],
        ['1 MB of JSON', JSON.stringify({ pad: 'x'.repeat(1_000_000) }), [413]],
        ['10,000 nested arrays', `${'['.repeat(10_000)}${']'.repeat(10_000)}`, [413]],
        [
          `${depthInLimit} nested arrays`,
          `${'['.repeat(depthInLimit)}${']'.repeat(depthInLimit)}`,
          [400],
        ],
        ['2,700 nested objects', `${'{"a":'.repeat(2_700)}1${'}'.repeat(2_700)}`, [400]],
        ['unclosed nesting', '['.repeat(16_000), [400]],
        [
          'a prototype-pollution attempt',
          '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
          [400],
        ],
      ];
      for (const route of routes) {
        for (const [name, body, statuses] of bodies) {
          const response = await postRaw(route, body, session.sessionHandle);
          assert.ok(statuses.includes(response.status), `${route} ${name}: ${response.status}`);
          const error = await errorOf(response);
          assert.equal(
            error.error,
            response.status === 413 ? 'payload_too_large' : 'invalid_request',
          );
        }
      }
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal((await fetch(`${bff.url}/healthz`)).status, 200);
    });

    it('answers invalid_request, not a 500, to a path that is not valid percent-encoding', async () => {
      const session = await bff.connect('mistral');
      for (const path of [
        '/v1/accounts/%E0%A4%A/balances',
        '/v1/accounts/%FF/transactions',
        '/v1/accounts/%ED%A0%80/balances',
        '/v1/flows/%C0%AF/complete',
      ]) {
        const response = await bff.call(path.endsWith('complete') ? 'POST' : 'GET', path, {
          handle: session.sessionHandle,
          ...(path.endsWith('complete') ? { body: { code: 'x', state: 'y' } } : {}),
        });
        assert.equal(response.status, 400, path);
        const error = await errorOf(response);
        assert.equal(error.error, 'invalid_request');
        assert.doesNotMatch(error.message, /URI|decode|at /, 'no library internals');
      }
    });

    it('refuses a cursor of one list on another list of the same session', async () => {
      const session = await bff.connect('azur');
      const [first, second] = session.accounts.filter((account) => account.type === 'current');
      assert.ok(first && second, 'two current accounts');
      const page = (await (
        await bff.call('GET', `/v1/accounts/${encodeURIComponent(first.id)}/transactions`, {
          handle: session.sessionHandle,
        })
      ).json()) as { nextCursor: string | null };
      assert.ok(page.nextCursor);
      const cursor = encodeURIComponent(page.nextCursor);
      for (const route of [
        `/v1/accounts/${encodeURIComponent(second.id)}/transactions?cursor=${cursor}`,
        `/v1/trusted-beneficiaries?cursor=${cursor}`,
      ]) {
        const response = await bff.call('GET', route, { handle: session.sessionHandle });
        assert.equal(response.status, 400, route);
        assert.match((await errorOf(response)).message, /cursor/);
      }
      const own = await bff.call(
        'GET',
        `/v1/accounts/${encodeURIComponent(first.id)}/transactions?cursor=${cursor}`,
        { handle: session.sessionHandle },
      );
      assert.equal(own.status, 200);
    });

    it('never echoes an unsafe X-Request-ID and never splits a header', async () => {
      const host = hostOf(bff.url);
      const hostile: Array<[string, Buffer]> = [
        ['CRLF with a header', Buffer.from('abc\r\nSet-Cookie: injected=1', 'latin1')],
        ['bare CR', Buffer.from('abc\rSet-Cookie: injected=1', 'latin1')],
        ['bare LF', Buffer.from('abc\nSet-Cookie: injected=1', 'latin1')],
        ['NUL', Buffer.from('abc\u0000def', 'latin1')],
        ['UTF-8 bytes', Buffer.from('réquête-€-🦊', 'utf8')],
        ['latin1 bytes', Buffer.from('caf\u00e9', 'latin1')],
        ['a very long id', Buffer.from('a'.repeat(8_000), 'latin1')],
        ['65 characters', Buffer.from('a'.repeat(65), 'latin1')],
        ['spaces and a semicolon', Buffer.from('a b; c=d', 'latin1')],
        ['an HTML payload', Buffer.from('<script>alert(1)</script>', 'latin1')],
      ];
      for (const [name, value] of hostile) {
        const head = Buffer.concat([
          Buffer.from(
            `GET /v1/session HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${PARTNER_ORIGIN}\r\nX-Bank-Connect: 1\r\nConnection: close\r\nX-Request-ID: `,
          ),
          value,
          Buffer.from('\r\n\r\n'),
        ]);
        const response = await rawRequest(bff.url, head);
        assert.ok(response.status > 0 && response.status < 500, `${name}: ${response.status}`);
        assert.equal(
          response.headers.some(([header]) => header === 'set-cookie'),
          false,
          `${name}: no injected header`,
        );
        const ids = response.headers.filter(([header]) => header === 'x-request-id');
        if (response.status === 400 && ids.length === 0) continue; // Node's parser refused it
        assert.equal(ids.length, 1, name);
        const echoed = ids[0]?.[1] ?? '';
        assert.match(echoed, /^[A-Za-z0-9._:-]{1,64}$/, name);
        assert.notEqual(echoed, value.toString('latin1'), `${name}: a generated id`);
        if (response.status === 401) {
          assert.equal(assertApiError(JSON.parse(response.body)).requestId, echoed);
        }
      }
      // A sane id is echoed as given.
      const sane = await bff.call('GET', '/v1/session', {
        headers: { 'X-Request-ID': 'req-42.a:b_c' },
      });
      assert.equal(sane.headers.get('x-request-id'), 'req-42.a:b_c');
      assert.equal((await fetch(`${bff.url}/healthz`)).status, 200);
    });
  });

  describe('bulk flow creation', () => {
    it('rate limits one address, which a spoofed X-Forwarded-For cannot escape, and spares others', async () => {
      // Bound to IPv4 loopback, so that 127.0.0.2 is another client on this machine.
      const limited = await startTestBff(sandbox, {
        env: { BFF_HOST: '127.0.0.1', BFF_FLOWS_PER_MINUTE: '5' },
      });
      const otherClient = new Agent({ localAddress: '127.0.0.2' });
      try {
        const burst = await Promise.all(
          Array.from({ length: 20 }, () =>
            limited.call('POST', '/v1/flows', { body: flowRequestBody() }),
          ),
        );
        const statuses = burst.map((response) => response.status).sort();
        assert.equal(statuses.filter((status) => status === 201).length, 5);
        assert.equal(statuses.filter((status) => status === 429).length, 15);
        for (const response of burst.filter((candidate) => candidate.status === 429)) {
          const retryAfter = Number(response.headers.get('retry-after'));
          assert.ok(retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
          const error = await errorOf(response);
          assert.equal(error.error, 'rate_limited');
          assert.equal(error.retryAfter, retryAfter);
        }
        // Trust proxy is off: X-Forwarded-For is the client's word, not an address.
        for (const spoof of ['203.0.113.7', '127.0.0.2', '::1', '203.0.113.8, 198.51.100.1']) {
          const response = await limited.call('POST', '/v1/flows', {
            body: flowRequestBody(),
            headers: { 'X-Forwarded-For': spoof, 'X-Real-IP': spoof, Forwarded: `for=${spoof}` },
          });
          assert.equal(response.status, 429, spoof);
        }
        // Other endpoints stay open to the limited client.
        assert.equal((await limited.call('GET', '/v1/aspsps')).status, 200);
        // Another address is unaffected.
        const other = await undiciFetch(`${limited.url}/v1/flows`, {
          method: 'POST',
          dispatcher: otherClient,
          headers: {
            Origin: PARTNER_ORIGIN,
            'X-Bank-Connect': '1',
            'Content-Type': 'application/json',
            DPoP: limited.dpopKey.signSync({ htm: 'POST', htu: `${limited.url}/v1/flows` }),
          },
          body: JSON.stringify(flowRequestBody()),
        });
        assert.equal(other.status, 201, await other.text());
      } finally {
        await otherClient.close();
        await limited.stop();
      }
    });

    it('limits per forwarded client when trust proxy names the proxy', async () => {
      const proxied = await startTestBff(sandbox, {
        env: { BFF_HOST: '127.0.0.1', BFF_FLOWS_PER_MINUTE: '2', BFF_TRUST_PROXY: 'loopback' },
      });
      try {
        const from = (ip: string) =>
          proxied.call('POST', '/v1/flows', {
            body: flowRequestBody(),
            headers: { 'X-Forwarded-For': ip },
          });
        const first = [
          await from('198.51.100.1'),
          await from('198.51.100.1'),
          await from('198.51.100.1'),
        ];
        assert.deepEqual(
          first.map((response) => response.status),
          [201, 201, 429],
        );
        assert.equal((await from('198.51.100.2')).status, 201, 'another customer is unaffected');
      } finally {
        await proxied.stop();
      }
    });
  });
});
