/**
 * Session handles bound to the page's key (RFC 9449): a handle copied out of the browser opens
 * nothing from anywhere else, every bad proof gets a 401 that names its code and leaves the
 * session intact, replays are refused across instances, and unbound handles pass only behind
 * `BFF_ALLOW_BEARER_HANDLES`. Real TLS banks, a real SQLite file and a real Redis server.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type {
  ConnectedSession,
  CreateFlowResponse,
} from '../../backend-for-frontend/contract/index.js';
import {
  flowRequestBody,
  type HandledSession,
  PARTNER_ORIGIN,
  readError,
  requestCompletion,
  returnFromBank,
  startFlow,
  startTestBff,
  type TestBff,
} from '../support/bff.js';
import { createPkce } from '../support/consent-driver.js';
import { createDpopKey, forgeJws, hashHandle, type TestDpopKey } from '../support/dpop.js';
import { startTestRedis, type TestRedis } from '../support/redis-server.js';
import { bankCalls } from '../reliability/support/harness.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';

const now = () => Math.floor(Date.now() / 1000);

describe('DPoP-bound session handles', () => {
  let sandbox: TestSandbox;
  let bff: TestBff;
  let session: HandledSession;
  let otherKey: TestDpopKey;

  before(async () => {
    sandbox = await startTestSandbox();
    bff = await startTestBff(sandbox);
    session = await bff.connect('azur');
    otherKey = await createDpopKey();
  });
  after(async () => {
    await bff.stop();
    await sandbox.stop();
  });

  /** The page's own call, which must keep working after every refusal. */
  const stillWorks = async () => {
    const response = await bff.call('GET', '/v1/session', { handle: session.sessionHandle });
    assert.equal(response.status, 200, 'the session is intact');
  };

  /** A proof for GET /v1/session with the page's key, claims overridden. */
  const proofFor = (claims: Partial<Parameters<TestDpopKey['sign']>[0]> = {}) =>
    bff.dpopKey.sign({
      htm: 'GET',
      htu: `${bff.url}/v1/session`,
      handle: session.sessionHandle,
      ...claims,
    });

  const getSession = (proof: string | undefined, headers: Record<string, string> = {}) =>
    bff.call('GET', '/v1/session', {
      handle: session.sessionHandle,
      ...(proof === undefined ? { dpop: false } : { proof }),
      headers,
    });

  it('binds the session to the key that completed its flow, and reads with its proofs', async () => {
    const accounts = await bff.call('GET', '/v1/accounts', { handle: session.sessionHandle });
    assert.equal(accounts.status, 200);
    await stillWorks();
  });

  it('refuses the handle without a proof, with a WWW-Authenticate DPoP challenge', async () => {
    const response = await getSession(undefined);
    assert.equal(response.status, 401);
    assert.equal((await readError(response)).error, 'dpop_proof_required');
    assert.equal(
      response.headers.get('www-authenticate'),
      'DPoP error="invalid_token", algs="ES256"',
    );
    await stillWorks();
  });

  it('refuses the bound handle sent as a Bearer token, proof or not', async () => {
    const response = await bff.call('GET', '/v1/session', {
      handle: session.sessionHandle,
      scheme: 'Bearer',
    });
    assert.equal(response.status, 401);
    assert.equal((await readError(response)).error, 'dpop_proof_required');
    await stillWorks();
  });

  it('refuses a proof signed by another key', async () => {
    const response = await bff.call('GET', '/v1/session', {
      handle: session.sessionHandle,
      dpop: otherKey,
    });
    assert.equal(response.status, 401);
    assert.equal((await readError(response)).error, 'invalid_dpop_proof');
    assert.match(
      response.headers.get('www-authenticate') ?? '',
      /^DPoP error="invalid_dpop_proof"/,
    );
    await stillWorks();
  });

  it('answers 401 to a handle copied out of the browser and replayed from Node', async () => {
    const readFromNode = async (headers: Record<string, string>, dpop: string | undefined) =>
      fetch(`${bff.url}/v1/accounts`, {
        headers: {
          Authorization: `DPoP ${session.sessionHandle}`,
          'X-Bank-Connect': '1',
          ...(dpop === undefined ? {} : { DPoP: dpop }),
          ...headers,
        },
      });
    const ownProof = () =>
      otherKey.sign({
        htm: 'GET',
        htu: `${bff.url}/v1/accounts`,
        handle: session.sessionHandle,
      });
    const before = (await bankCalls(sandbox, 'azur'))['GET /accounts'] ?? 0;
    const attempts = [
      await readFromNode({}, undefined),
      // As a plain script would send it: no X-Bank-Connect either. Still the handle's 401 first.
      await fetch(`${bff.url}/v1/accounts`, {
        headers: { Authorization: `Bearer ${session.sessionHandle}` },
      }),
      await readFromNode({ Origin: PARTNER_ORIGIN }, undefined),
      await readFromNode({}, await ownProof()),
      await readFromNode({ Origin: PARTNER_ORIGIN }, await ownProof()),
      await fetch(`${bff.url}/v1/accounts`, {
        headers: {
          Authorization: `Bearer ${session.sessionHandle}`,
          Origin: PARTNER_ORIGIN,
          'X-Bank-Connect': '1',
        },
      }),
    ];
    assert.deepEqual(
      attempts.map((response) => response.status),
      [401, 401, 401, 401, 401, 401],
    );
    assert.equal((await bankCalls(sandbox, 'azur'))['GET /accounts'] ?? 0, before, 'no bank call');
    await stillWorks();
  });

  describe('bad proofs: 401 with the code in the log, the session intact', () => {
    const ES256_PROOF = { alg: 'ES256', typ: 'dpop+jwt' };
    const cases: [string, () => Promise<string>, string?][] = [
      ['expired', () => proofFor({ iat: now() - 120 })],
      ['issued in the future', () => proofFor({ iat: now() + 120 })],
      ['for another method', () => proofFor({ htm: 'POST' })],
      ['for another path', () => proofFor({ htu: `${bff.url}/v1/accounts` })],
      ['for another host', () => proofFor({ htu: 'https://attacker.example/v1/session' })],
      ['for another handle', () => proofFor({ handle: randomBytes(32).toString('base64url') })],
      ['without ath', () => proofFor({ extra: { ath: undefined } })],
      ['without jti', () => proofFor({ extra: { jti: undefined } })],
      ['with a short jti', () => proofFor({ jti: 'abc' })],
      ['of another type', () => bff.dpopKey.sign(proofClaims(), { typ: 'JWT' })],
      [
        'with alg none',
        () =>
          Promise.resolve(
            forgeJws(
              { typ: 'dpop+jwt', alg: 'none', jwk: bff.dpopKey.publicJwk },
              { ...proofClaims(), iat: now(), jti: randomBytes(16).toString('base64url') },
            ),
          ),
      ],
      [
        'signed with an HMAC',
        async () => {
          const secret = randomBytes(32);
          return new SignJWT({
            ...proofClaims(),
            jti: randomBytes(16).toString('base64url'),
            ath: hashHandle(session.sessionHandle),
          })
            .setIssuedAt()
            .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: bff.dpopKey.publicJwk })
            .sign(secret);
        },
      ],
      [
        'with a jwk that carries its private key',
        async () => {
          const { privateKey } = await generateKeyPair('ES256', { extractable: true });
          const jwk = await exportJWK(privateKey);
          return new SignJWT({
            ...proofClaims(),
            jti: randomBytes(16).toString('base64url'),
            ath: hashHandle(session.sessionHandle),
          })
            .setIssuedAt()
            .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
            .sign(privateKey);
        },
      ],
      [
        'with a jwk of another curve',
        async () => {
          const { publicKey } = await generateKeyPair('ES384', { extractable: true });
          return bff.dpopKey.sign(
            { htm: 'GET', htu: `${bff.url}/v1/session`, handle: session.sessionHandle },
            { jwk: await exportJWK(publicKey) },
          );
        },
      ],
      ['with a forged signature', async () => `${(await proofFor()).slice(0, -8)}AAAAAAAA`],
      // Truly signed by the page's key, but not in the form RFC 9449 and RFC 7515 require.
      [
        'with a critical JWS extension',
        () =>
          Promise.resolve(
            bff.dpopKey.signRaw({ ...ES256_PROOF, crit: ['b64'], b64: true }, signedClaims()),
          ),
      ],
      [
        'with a DER signature',
        () => Promise.resolve(bff.dpopKey.signRaw(ES256_PROOF, signedClaims(), { der: true })),
      ],
      [
        'whose payload is not a JSON object',
        () => Promise.resolve(bff.dpopKey.signRaw(ES256_PROOF, [signedClaims()])),
      ],
      [
        'with a fourth part',
        () => Promise.resolve(`${bff.dpopKey.signRaw(ES256_PROOF, signedClaims())}.AAAA`),
      ],
      ['that is not a JWS', () => Promise.resolve('not-a-proof')],
      ['oversized', () => proofFor({ extra: { padding: 'x'.repeat(5_000) } })],
      ['sent twice in one header', async () => `${await proofFor()}, ${await proofFor()}`],
    ];

    function proofClaims() {
      return { htm: 'GET', htu: `${bff.url}/v1/session` };
    }

    /** A whole, valid payload for `GET /v1/session` with the session's handle. */
    function signedClaims() {
      return {
        ...proofClaims(),
        iat: now(),
        jti: randomBytes(16).toString('base64url'),
        ath: hashHandle(session.sessionHandle),
      };
    }

    for (const [name, make] of cases) {
      it(`refuses a proof ${name}`, async () => {
        const proof = await make();
        const response = await getSession(proof);
        assert.equal(response.status, 401, name);
        const body = await readError(response);
        assert.equal(body.error, 'invalid_dpop_proof');
        const logged = bff.logs.filter((line) => line.includes(body.requestId ?? '-'));
        assert.ok(
          logged.some((line) => line.includes('"code":"invalid_dpop_proof"')),
          'the refusal is logged with its code',
        );
        for (const line of logged) {
          assert.ok(!line.includes(session.sessionHandle), 'no handle in the log');
          assert.ok(!line.includes(proof.slice(0, 40)), 'no proof in the log');
        }
        await stillWorks();
      });
    }

    it('takes a proof made as the malformed ones above are, when its form is right', async () => {
      // So the refusals above are for their form: signRaw's signatures do verify.
      const response = await getSession(bff.dpopKey.signRaw(ES256_PROOF, signedClaims()));
      assert.equal(response.status, 200);
    });

    it('refuses a proof replayed within its lifetime', async () => {
      const proof = await proofFor();
      assert.equal((await getSession(proof)).status, 200);
      const replay = await getSession(proof);
      assert.equal(replay.status, 401);
      assert.match((await readError(replay)).message, /used already/);
      await stillWorks();
    });
  });

  describe('flows bind to the key that starts them', () => {
    it('completes a flow only with the key that started it, before the bank hears of the code', async () => {
      const started = await startFlow(bff, 'mistral');
      const fragment = await returnFromBank(bff, started);
      const exchanges = async () =>
        (await bankCalls(sandbox, 'mistral'))['POST /token authorization_code'] ?? 0;
      const before = await exchanges();
      const stolen = await bff.call('POST', `/v1/flows/${started.flow.flowId}/complete`, {
        dpop: otherKey,
        body: {
          code: fragment.get('code'),
          state: fragment.get('state'),
          iss: fragment.get('iss'),
          codeVerifier: started.verifier,
        },
      });
      assert.equal(stolen.status, 401);
      assert.equal((await readError(stolen)).error, 'invalid_dpop_proof');
      const unsigned = await bff.call('POST', `/v1/flows/${started.flow.flowId}/complete`, {
        dpop: false,
        body: {
          code: fragment.get('code'),
          state: fragment.get('state'),
          iss: fragment.get('iss'),
          codeVerifier: started.verifier,
        },
      });
      assert.equal((await readError(unsigned)).error, 'dpop_proof_required');
      assert.equal(await exchanges(), before, 'the code was never sent to the bank');

      const completed = await requestCompletion(bff, started, fragment);
      assert.equal(completed.status, 200);
    });

    it('refuses to start a flow without a proof', async () => {
      const response = await bff.call('POST', '/v1/flows', {
        dpop: false,
        body: flowRequestBody(),
      });
      assert.equal(response.status, 401);
      assert.equal((await readError(response)).error, 'dpop_proof_required');
    });

    it('tells the starting tab how its flow ended, by its verifier and its key only', async () => {
      const started = await startFlow(bff, 'bocage');
      const ask = (options: { verifier?: string; dpop?: TestDpopKey | false }) =>
        bff.call('POST', `/v1/flows/${started.flow.flowId}/result`, {
          ...(options.dpop === undefined ? {} : { dpop: options.dpop }),
          body: { codeVerifier: options.verifier ?? started.verifier },
        });
      const early = await ask({});
      assert.equal(early.status, 409);
      assert.equal((await readError(early)).error, 'flow_not_completed');
      const fragment = await returnFromBank(bff, started);
      const completed = (await (
        await requestCompletion(bff, started, fragment)
      ).json()) as ConnectedSession;

      const answered = await ask({});
      assert.equal(answered.status, 200);
      const result = (await answered.json()) as ConnectedSession;
      assert.equal(result.sessionHandle, completed.sessionHandle);
      assert.equal(result.id, completed.id);

      const otherTabElsewhere = await ask({ dpop: otherKey });
      assert.equal((await readError(otherTabElsewhere)).error, 'invalid_dpop_proof');
      const unsigned = await ask({ dpop: false });
      assert.equal((await readError(unsigned)).error, 'dpop_proof_required');
      const guessed = await ask({ verifier: randomBytes(32).toString('base64url') });
      assert.equal((await readError(guessed)).error, 'pkce_mismatch');
    });
  });

  describe('browser routes are browser-only', () => {
    it('refuses a call without an Origin, and takes a same-origin fetch', async () => {
      const bare = await fetch(`${bff.url}/v1/aspsps`, { headers: { 'X-Bank-Connect': '1' } });
      assert.equal(bare.status, 403);
      assert.equal((await readError(bare)).error, 'origin_not_allowed');
      const sameOrigin = await fetch(`${bff.url}/v1/aspsps`, {
        headers: { 'X-Bank-Connect': '1', 'Sec-Fetch-Site': 'same-origin' },
      });
      assert.equal(sameOrigin.status, 200);
    });

    it('refuses a server that holds the key too, once the handle has been checked', async () => {
      const response = await bff.call('GET', '/v1/session', {
        handle: session.sessionHandle,
        origin: null,
      });
      assert.equal(response.status, 403);
      assert.equal((await readError(response)).error, 'origin_not_allowed');
      const headerless = await bff.call('GET', '/v1/session', {
        handle: session.sessionHandle,
        csrf: false,
      });
      assert.equal(headerless.status, 403);
      assert.equal((await readError(headerless)).error, 'csrf_header_missing');
    });

    it('lets the page send DPoP and read DPoP-Nonce across origins', async () => {
      const preflight = await fetch(`${bff.url}/v1/session`, {
        method: 'OPTIONS',
        headers: {
          Origin: PARTNER_ORIGIN,
          'Access-Control-Request-Method': 'GET',
          'Access-Control-Request-Headers': 'authorization, dpop, x-bank-connect',
        },
      });
      assert.equal(preflight.status, 204);
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /\bdpop\b/);
      const answer = await bff.call('GET', '/v1/session', { handle: session.sessionHandle });
      assert.match(answer.headers.get('access-control-expose-headers') ?? '', /DPoP-Nonce/);
    });
  });
});

describe('DPoP nonce, replay across instances, and migration from bearer handles', () => {
  let sandbox: TestSandbox;
  let redis: TestRedis;

  before(async () => {
    sandbox = await startTestSandbox();
    redis = await startTestRedis();
  });
  after(async () => {
    await redis.stop();
    await sandbox.stop();
  });

  it('refuses a proof replayed on another instance sharing the store', async () => {
    const env = { BFF_SESSION_STORE: redis.url };
    const first = await startTestBff(sandbox, { env });
    const second = await startTestBff(sandbox, { env, redirectUri: first.config.redirectUri });
    try {
      const session = await first.connect('azur');
      const proof = await first.dpopKey.sign({
        htm: 'GET',
        htu: `${first.url}/v1/session`,
        handle: session.sessionHandle,
      });
      const read = (bff: TestBff) =>
        bff.call('GET', '/v1/session', { handle: session.sessionHandle, proof });
      assert.equal((await read(first)).status, 200);
      const replayed = await read(second);
      assert.equal(replayed.status, 401);
      assert.equal((await readError(replayed)).error, 'invalid_dpop_proof');
      const fresh = await second.call('GET', '/v1/session', {
        handle: session.sessionHandle,
        dpop: first.dpopKey,
      });
      assert.equal(fresh.status, 200, 'the other instance knows the binding');
    } finally {
      await second.stop();
      await first.stop();
    }
  });

  it('asks for the server nonce when configured, and takes a proof that carries it', async () => {
    const bff = await startTestBff(sandbox, { env: { BFF_DPOP_NONCE: 'true' } });
    try {
      const started = await bff.call('POST', '/v1/flows', {
        proof: await bff.dpopKey.sign({ htm: 'POST', htu: `${bff.url}/v1/flows` }),
        body: flowRequestBody(),
      });
      assert.equal(started.status, 401);
      assert.equal((await readError(started)).error, 'use_dpop_nonce');
      assert.equal(
        started.headers.get('www-authenticate'),
        'DPoP error="use_dpop_nonce", algs="ES256"',
      );
      const nonce = started.headers.get('dpop-nonce') ?? '';
      assert.match(nonce, /^[A-Za-z0-9_-]{32}$/);
      // `call` signs with the last nonce it saw: the whole flow works with it.
      const session = await bff.connect('azur');
      const wrong = await bff.call('GET', '/v1/session', {
        handle: session.sessionHandle,
        proof: await bff.dpopKey.sign({
          htm: 'GET',
          htu: `${bff.url}/v1/session`,
          handle: session.sessionHandle,
          nonce: 'a'.repeat(32),
        }),
      });
      assert.equal((await readError(wrong)).error, 'use_dpop_nonce');
      const right = await bff.call('GET', '/v1/session', { handle: session.sessionHandle });
      assert.equal(right.status, 200);
    } finally {
      await bff.stop();
    }
  });

  it('takes unbound bearer handles only behind BFF_ALLOW_BEARER_HANDLES, and binds them on reconnect', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bff-migration-'));
    const migrating = await startTestBff(sandbox, {
      dir,
      env: { BFF_ALLOW_BEARER_HANDLES: 'true' },
    });
    let legacy: ConnectedSession;
    try {
      // An integration from before binding: no proof anywhere.
      const pkce = createPkce();
      const state = createPkce().verifier;
      const created = await migrating.call('POST', '/v1/flows', {
        dpop: false,
        body: flowRequestBody({ state, codeChallenge: pkce.challenge }),
      });
      assert.equal(created.status, 201);
      const started = {
        flow: (await created.json()) as CreateFlowResponse,
        state,
        verifier: pkce.verifier,
      };
      const fragment = await returnFromBank(migrating, started);
      const completed = await migrating.call('POST', `/v1/flows/${started.flow.flowId}/complete`, {
        dpop: false,
        body: {
          code: fragment.get('code'),
          state: fragment.get('state'),
          iss: fragment.get('iss'),
          codeVerifier: started.verifier,
        },
      });
      assert.equal(completed.status, 200);
      legacy = (await completed.json()) as ConnectedSession;
      const bearer = () =>
        migrating.call('GET', '/v1/session', {
          handle: legacy.sessionHandle,
          scheme: 'Bearer',
          dpop: false,
        });
      assert.equal((await bearer()).status, 200, 'unbound, and allowed here');
    } finally {
      await migrating.stop();
    }

    const strict = await startTestBff(sandbox, { dir });
    try {
      for (const options of [{ scheme: 'Bearer' as const, dpop: false as const }, {}]) {
        const refused = await strict.call('GET', '/v1/session', {
          handle: legacy.sessionHandle,
          ...options,
        });
        assert.equal(refused.status, 401);
        assert.equal((await readError(refused)).error, 'dpop_proof_required');
      }
    } finally {
      await strict.stop();
    }

    const renewing = await startTestBff(sandbox, {
      dir,
      env: { BFF_ALLOW_BEARER_HANDLES: 'true' },
    });
    try {
      const renewed = await renewing.connect('azur', { handle: legacy.sessionHandle });
      assert.equal(renewed.sessionHandle, legacy.sessionHandle);
      const bearer = await renewing.call('GET', '/v1/session', {
        handle: legacy.sessionHandle,
        scheme: 'Bearer',
        dpop: false,
      });
      assert.equal(bearer.status, 401, 'bound by the reconnect: bearer use ends');
      const bound = await renewing.call('GET', '/v1/session', { handle: legacy.sessionHandle });
      assert.equal(bound.status, 200);
    } finally {
      await renewing.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps the handle in the HttpOnly cookie only in cookie mode, still bound to the page’s key', async () => {
    const cookieBff = await startTestBff(sandbox, { env: { BFF_COOKIE_MODE: 'true' } });
    try {
      /** A flow through the BFF as the page sends it: the cookie (if any) goes with each call. */
      const connect = async (aspsp: string, cookie: string) => {
        const pkce = createPkce();
        const state = createPkce().verifier;
        const headers: Record<string, string> = cookie ? { Cookie: cookie } : {};
        const created = await cookieBff.call('POST', '/v1/flows', {
          headers,
          body: flowRequestBody({ aspsp, state, codeChallenge: pkce.challenge }),
        });
        assert.equal(created.status, 201, await created.clone().text());
        const flow = (await created.json()) as CreateFlowResponse;
        const fragment = await returnFromBank(cookieBff, {
          flow,
          state,
          verifier: pkce.verifier,
        });
        const completed = await cookieBff.call('POST', `/v1/flows/${flow.flowId}/complete`, {
          headers,
          body: {
            code: fragment.get('code'),
            state: fragment.get('state'),
            iss: fragment.get('iss'),
            codeVerifier: pkce.verifier,
          },
        });
        assert.equal(completed.status, 200, await completed.clone().text());
        const jar = (completed.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
        return { answer: (await completed.json()) as ConnectedSession, jar };
      };

      const first = await connect('azur', '');
      assert.equal(first.answer.sessionHandle, undefined, 'no handle in the body');
      assert.match(first.jar, /^__Host-bank-connect-session=[A-Za-z0-9_-]{43}$/);
      const handle = first.jar.split('=')[1] ?? '';
      const read = (options: Parameters<TestBff['call']>[2] = {}) =>
        cookieBff.call('GET', '/v1/accounts', { ...options, headers: { Cookie: first.jar } });

      // The cookie with a proof by the key that completed the flow (no ath: the page cannot
      // read the cookie), and nothing else.
      assert.equal((await read()).status, 200);
      const bare = await read({ dpop: false });
      assert.equal(bare.status, 401);
      assert.equal((await readError(bare)).error, 'dpop_proof_required');
      const stolen = await read({ dpop: await createDpopKey() });
      assert.equal(stolen.status, 401);
      assert.equal((await readError(stolen)).error, 'invalid_dpop_proof');

      // A new flow at the cookie's bank renews its session; at another bank it connects anew.
      const renewed = await connect('azur', first.jar);
      assert.equal(renewed.answer.id, first.answer.id);
      assert.equal(renewed.answer.sessionHandle, undefined);
      const other = await connect('mistral', first.jar);
      assert.notEqual(other.answer.id, first.answer.id);
      // A cookie whose session ended does not stop the customer connecting again.
      const ended = await cookieBff.call('DELETE', '/v1/session', {
        headers: { Cookie: other.jar },
      });
      assert.equal(ended.status, 204);
      const again = await connect('mistral', other.jar);
      assert.notEqual(again.answer.id, other.answer.id);
      assert.ok(!cookieBff.logs.some((line) => line.includes(handle)), 'no handle in the log');
    } finally {
      await cookieBff.stop();
    }
  });
});
