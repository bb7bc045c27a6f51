/**
 * Property-based fuzzing of every BFF input with fast-check: JSON bodies (arbitrary values and
 * mutated valid bodies), query strings, headers, path parameters, session handles and cursors.
 * Whatever comes in: never a 5xx, the server keeps answering `/healthz`, every error has the
 * `ApiError` shape with a known code, and no error body carries a secret.
 *
 * Each property has a fixed seed (reproducible) and a bounded number of runs; the counts are
 * printed for the record.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  completeFlowRequestSchema,
  createFlowRequestSchema,
  fundsConfirmationRequestSchema,
  type TransactionPage,
} from '../../backend-for-frontend/contract/index.js';
import {
  PARTNER_ORIGIN,
  RETURN_TO,
  returnFromBank,
  startFlow,
  startTestBff,
  type StartedFlow,
  type TestBff,
} from '../support/bff.js';
import { createPkce } from '../support/consent-driver.js';
import { createContractChecker, type ContractChecker } from '../support/contract.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';
import { assertApiError, hostOf, rawRequest } from './support/harness.js';

const SEALING_KEY = 'Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXktMDE';
const RUNS = {
  flowsArbitrary: 300,
  flowsMutated: 350,
  complete: 250,
  funds: 250,
  query: 300,
  headers: 400,
  paths: 300,
  handlesAndCursors: 300,
};

/** Strings an attacker would try, next to fast-check's arbitrary ones. */
const NASTY = [
  '',
  ' ',
  '..',
  '../../etc/passwd',
  '%2F',
  '%2e%2e%2f',
  '%',
  '%zz',
  '%E0%A4%A',
  '\u0000',
  '\u202e',
  '\ud800',
  '\uffff',
  'null',
  'undefined',
  '[object Object]',
  '__proto__',
  'constructor',
  '<script>alert(1)</script>',
  "' OR '1'='1",
  '${7*7}',
  'https://evil.example',
  'a'.repeat(3000),
  '9'.repeat(400),
  '-1',
  '1e309',
  'NaN',
];

const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 1, arbitrary: fc.string({ minLength: 2000, maxLength: 20_000 }) },
);

const anyValue = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 3, arbitrary: nastyString },
);

type Mutation = { op: 'drop'; key: string } | { op: 'set'; key: string; value: unknown };

function mutations(keys: string[]): fc.Arbitrary<Mutation[]> {
  const key = fc.constantFrom(...keys, '__proto__', 'constructor', 'extra', '');
  return fc.array(
    fc.oneof(
      fc.record({ op: fc.constant('drop' as const), key: fc.constantFrom(...keys) }),
      fc.record({ op: fc.constant('set' as const), key, value: anyValue }),
    ),
    { maxLength: 3 },
  );
}

/** Applies mutations to a body; `__proto__` becomes an own key, as JSON.parse would make it. */
function mutate(base: Record<string, unknown>, steps: Mutation[]): Record<string, unknown> {
  const body: Record<string, unknown> = { ...base };
  for (const step of steps) {
    if (step.op === 'drop') delete body[step.key];
    else
      Object.defineProperty(body, step.key, {
        value: step.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return body;
}

/** C0 controls and DEL: what HTTP header values may not carry (tab aside). */
function isControl(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f;
}

/**
 * What a careless client puts on the wire: printable ASCII as is (stray `%`, `&`, `=` and
 * all), every other byte of the UTF-8 percent-encoded; lone surrogates become U+FFFD.
 */
function rawEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    out +=
      byte > 0x20 && byte < 0x7f && byte !== 0x23
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

describe('fuzzing every BFF input', () => {
  let sandbox: TestSandbox;
  let bff: TestBff;
  let handle = '';
  let accountId = '';
  let cursor = '';
  let beneficiaryCursor: string | null = null;
  const flows: Array<{ started: StartedFlow; fragment: URLSearchParams }> = [];
  const secrets: string[] = [];
  const counts: Record<string, number> = {};
  let serial = 0;

  let contract: ContractChecker;
  /** The body schemas the server validates with, by their name in the OpenAPI document. */
  const bodySchemas = {
    CreateFlowRequest: createFlowRequestSchema,
    CompleteFlowRequest: completeFlowRequestSchema,
    FundsConfirmationRequest: fundsConfirmationRequestSchema,
  };
  const agreements = { accepted: 0, refused: 0 };

  before(async () => {
    sandbox = await startTestSandbox();
    bff = await startTestBff(sandbox, {
      env: { BFF_FLOWS_PER_MINUTE: '10000', BFF_LOG_LEVEL: 'warn' },
    });
    contract = createContractChecker(
      (await (await fetch(`${bff.url}/v1/openapi.json`)).json()) as Parameters<
        typeof createContractChecker
      >[0],
    );
    const session = await bff.connect('azur', { scopes: ['aisp', 'cbpii'] });
    handle = session.sessionHandle;
    accountId = session.accounts.find((account) => account.type === 'current')?.id ?? '';
    const page = (await (
      await bff.call('GET', `/v1/accounts/${encodeURIComponent(accountId)}/transactions`, {
        handle,
      })
    ).json()) as TransactionPage;
    cursor = page.nextCursor ?? '';
    assert.ok(cursor, 'a second page to page through');
    const beneficiaries = (await (
      await bff.call('GET', '/v1/trusted-beneficiaries', { handle })
    ).json()) as { nextCursor: string | null };
    beneficiaryCursor = beneficiaries.nextCursor;
    for (const aspsp of ['azur', 'bocage', 'mistral']) {
      const started = await startFlow(bff, aspsp);
      flows.push({ started, fragment: await returnFromBank(bff, started) });
    }
    const tokens = (await (await sandbox.admin('GET', '/tokens')).json()) as {
      tokens: Array<{ value: string }>;
    };
    secrets.push(handle, SEALING_KEY, ...tokens.tokens.map((token) => token.value));
    for (const { started, fragment } of flows) {
      secrets.push(started.verifier, started.state, fragment.get('code') ?? '');
    }
  });

  after(async () => {
    const total = Object.values(counts).reduce((sum, count) => sum + count, 0);
    for (const [name, count] of Object.entries(counts))
      console.log(`fuzz: ${name}: ${count} cases`);
    console.log(`fuzz: ${total} cases in total`);
    console.log(
      `fuzz: the OpenAPI document and the server agreed on ${agreements.accepted} accepted and ${agreements.refused} refused bodies`,
    );
    await bff.stop();
    await sandbox.stop();
  });

  const count = (name: string) => {
    counts[name] = (counts[name] ?? 0) + 1;
  };

  /** The invariants every answer keeps. */
  const checkAnswer = (status: number, contentType: string, text: string, label: string) => {
    assert.ok(status >= 200 && status < 500, `${label}: status ${status} ${text.slice(0, 200)}`);
    if (status >= 400) {
      assert.match(contentType, /^application\/json/, `${label}: ${status} ${text.slice(0, 200)}`);
      assertApiError(JSON.parse(text), label);
      for (const secret of secrets) {
        assert.equal(text.includes(secret), false, `${label}: a secret in the error body`);
      }
      assert.doesNotMatch(text, /PRIVATE KEY|\n\s+at |node_modules|\/work\//, label);
    }
  };

  const check = async (response: Response, label: string) => {
    checkAnswer(
      response.status,
      response.headers.get('content-type') ?? '',
      await response.text(),
      label,
    );
  };

  /**
   * The OpenAPI document and the server agree on a body: the document's JSON Schema (what a
   * partner's validator says) accepts exactly what the server's zod schema accepts, and a body the
   * document refuses is answered 400 `invalid_request`, never passed on.
   */
  const checkBody = async (
    name: keyof typeof bodySchemas,
    sent: string,
    response: Response,
    label: string,
  ) => {
    const status = response.status;
    const text = await response.clone().text();
    await check(response, label);
    let value: unknown;
    try {
      value = JSON.parse(sent);
    } catch {
      return; // not JSON: nothing for a schema to judge
    }
    const server = bodySchemas[name].safeParse(value).success;
    const document = contract.component(name)(value);
    assert.equal(document, server, `${label}: the document says ${document}, the server ${server}`);
    if (document) {
      agreements.accepted += 1;
    } else {
      agreements.refused += 1;
      assert.equal(status, 400, `${label}: a body the document refuses answered ${status}`);
      assert.equal((JSON.parse(text) as { error: string }).error, 'invalid_request', label);
    }
  };

  const stillHealthy = async () => {
    const health = await fetch(`${bff.url}/healthz`);
    assert.equal(health.status, 200);
  };

  const assertProperty = async <T>(
    name: string,
    seed: number,
    numRuns: number,
    arbitrary: fc.Arbitrary<T>,
    run: (value: T) => Promise<void>,
  ) => {
    try {
      await fc.assert(
        fc.asyncProperty(arbitrary, async (value) => {
          count(name);
          await run(value);
        }),
        { seed, numRuns, endOnFailure: true },
      );
    } catch (error) {
      // node:test prints no `cause`: put the failed assertion next to the counterexample.
      const cause = (error as { cause?: unknown }).cause;
      throw new Error(
        `${(error as Error).message}\ncause: ${cause instanceof Error ? cause.message : String(cause)}`,
      );
    }
    await stillHealthy();
  };

  const freshFlowBody = () => {
    serial += 1;
    return {
      aspsp: 'azur',
      scopes: ['aisp'],
      state: `fuzz-state-${String(serial).padStart(16, '0')}`,
      codeChallenge: createPkce().challenge,
      codeChallengeMethod: 'S256',
      mode: 'redirect',
      returnTo: RETURN_TO,
    };
  };

  it('POST /v1/flows: any JSON value', async () => {
    await assertProperty(
      'flows: arbitrary JSON',
      0xf10,
      RUNS.flowsArbitrary,
      anyValue,
      async (value) => {
        const sent = JSON.stringify(value);
        const response = await bff.call('POST', '/v1/flows', { body: sent });
        await checkBody('CreateFlowRequest', sent, response, `flows ${sent.slice(0, 80)}`);
      },
    );
  });

  it('POST /v1/flows: mutated valid bodies', async () => {
    const keys = Object.keys(freshFlowBody());
    await assertProperty(
      'flows: mutated bodies',
      0xf11,
      RUNS.flowsMutated,
      mutations(keys),
      async (steps) => {
        const sent = JSON.stringify(mutate(freshFlowBody(), steps));
        const response = await bff.call('POST', '/v1/flows', { body: sent });
        await checkBody(
          'CreateFlowRequest',
          sent,
          response,
          `flows ${JSON.stringify(steps).slice(0, 120)}`,
        );
      },
    );
  });

  it('POST /v1/flows/{id}/complete: any JSON value and mutated completions', async () => {
    const keys = ['code', 'state', 'iss', 'codeVerifier'];
    const arbitrary = fc.record({
      flow: fc.nat({ max: flows.length }),
      body: fc.oneof(
        { weight: 1, arbitrary: anyValue.map((value) => ({ raw: value })) },
        { weight: 3, arbitrary: mutations(keys).map((steps) => ({ steps })) },
      ),
    });
    await assertProperty('complete', 0xc0, RUNS.complete, arbitrary, async ({ flow, body }) => {
      const target = flows[flow];
      const flowId = target ? target.started.flow.flowId : 'A'.repeat(22);
      const base = target
        ? {
            code: target.fragment.get('code'),
            state: target.fragment.get('state'),
            ...(target.fragment.get('iss') ? { iss: target.fragment.get('iss') } : {}),
            codeVerifier: target.started.verifier,
          }
        : { code: 'x', state: 'y', codeVerifier: createPkce().verifier };
      const payload = 'raw' in body ? body.raw : mutate(base, body.steps);
      const sent = JSON.stringify(payload);
      const response = await bff.call('POST', `/v1/flows/${flowId}/complete`, { body: sent });
      await checkBody('CompleteFlowRequest', sent, response, `complete ${sent.slice(0, 120)}`);
    });
  });

  it('POST /v1/funds-confirmations: any JSON value and mutated requests', async () => {
    const amountArb = fc.oneof(
      fc.constantFrom('10.00', '0', '0.00001', '9999999999999.99999', '00001.5', '1.123456'),
      nastyString,
      fc.jsonValue({ maxDepth: 1 }),
    );
    const arbitrary = fc.oneof(
      anyValue.map((raw) => ({ raw })),
      fc
        .record({
          steps: mutations(['accountId', 'amount', 'payee']),
          amount: amountArb,
          currency: fc.oneof(fc.constantFrom('EUR', 'USD', 'eur', 'EURO', ''), nastyString),
        })
        .map(({ steps, amount, currency }) => ({ steps, amount, currency })),
    );
    await assertProperty('funds-confirmations', 0xfc, RUNS.funds, arbitrary, async (input) => {
      const payload =
        'raw' in input
          ? input.raw
          : mutate(
              { accountId, amount: { amount: input.amount, currency: input.currency } },
              input.steps,
            );
      const sent = JSON.stringify(payload);
      const response = await bff.call('POST', '/v1/funds-confirmations', { handle, body: sent });
      await checkBody('FundsConfirmationRequest', sent, response, `funds ${sent.slice(0, 120)}`);
    });
  });

  it('GET transactions and beneficiaries: query strings', async () => {
    const date = fc.oneof(
      fc
        .date({ min: new Date('1000-01-01'), max: new Date('9999-12-31'), noInvalidDate: true })
        .map((value) => value.toISOString().slice(0, 10)),
      fc.constantFrom('2025-02-30', '2025-13-01', '0000-00-00', '2025-1-1', '2025-01-01T00:00:00Z'),
      nastyString,
    );
    const cursorValue = fc.oneof(
      fc.constant(cursor),
      fc.nat({ max: 200 }).map((cut) => cursor.slice(0, cut)),
      fc.nat().map((at) => {
        const index = at % cursor.length;
        return `${cursor.slice(0, index)}${cursor[index] === 'A' ? 'B' : 'A'}${cursor.slice(index + 1)}`;
      }),
      nastyString,
    );
    const pair = fc.oneof(
      fc.tuple(fc.constant('dateFrom'), date),
      fc.tuple(fc.constant('dateTo'), date),
      fc.tuple(fc.constant('cursor'), cursorValue),
      fc.tuple(fc.constantFrom('dateFrom[]', 'cursor[x]', 'dateTo[0]', '__proto__'), nastyString),
      fc.tuple(nastyString, nastyString),
    );
    const arbitrary = fc.record({
      pairs: fc.array(pair, { maxLength: 4 }),
      route: fc.constantFrom('transactions', 'beneficiaries'),
      raw: fc.boolean(),
    });
    await assertProperty(
      'query strings',
      0x9e,
      RUNS.query,
      arbitrary,
      async ({ pairs, route, raw }) => {
        // Either properly encoded, or the bytes as an attacker types them (percent signs and all).
        const query = raw
          ? pairs.map(([name, value]) => `${name}=${value}`).join('&')
          : new URLSearchParams(pairs).toString();
        const path =
          route === 'transactions'
            ? `/v1/accounts/${encodeURIComponent(accountId)}/transactions`
            : '/v1/trusted-beneficiaries';
        const target = `${path}?${raw ? rawEncode(query) : query}`;
        const response = await bff.call('GET', target, { handle });
        await check(response, `query ${target.slice(0, 160)}`);
      },
    );
  });

  it('every endpoint: hostile header values, sent as raw bytes', async () => {
    // Mostly values Node's HTTP parser lets through (so the app sees them), some raw bytes.
    const printable = (value: string) =>
      [...value].filter((char) => char === '\t' || !isControl(char)).join('');
    const headerValue = (valid: string) =>
      fc.oneof(
        { weight: 2, arbitrary: fc.constant(undefined) },
        { weight: 3, arbitrary: fc.constant(valid) },
        { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 100 }).map(printable) },
        { weight: 2, arbitrary: fc.constantFrom(...NASTY).map(printable) },
        {
          weight: 1,
          arbitrary: fc
            .uint8Array({ maxLength: 200 })
            .map((bytes) => Buffer.from(bytes).toString('latin1')),
        },
      );
    const validProof = await bff.dpopKey.sign({ htm: 'GET', htu: `${bff.url}/v1/session` });
    const endpoints: Array<[string, string, string]> = [
      ['GET', '/v1/aspsps', ''],
      ['GET', '/v1/session', ''],
      ['GET', '/v1/accounts', ''],
      ['DELETE', '/v1/session', ''],
      ['POST', '/v1/flows', JSON.stringify(freshFlowBody())],
      ['POST', '/v1/funds-confirmations', JSON.stringify({ accountId: 'x', amount: 1 })],
      ['POST', `/v1/flows/${'A'.repeat(22)}/complete`, '{"code":"x"}'],
      ['OPTIONS', '/v1/flows', ''],
      ['GET', '/v1/callback?state=x', ''],
    ];
    const arbitrary = fc.record({
      endpoint: fc.constantFrom(...endpoints),
      authorization: fc.oneof(
        headerValue(`Bearer ${'A'.repeat(43)}`),
        fc.string({ unit: 'binary', maxLength: 60 }).map((value) => `Bearer ${value}`),
        fc.constantFrom('Bearer', 'Bearer ', 'Basic Zm9vOmJhcg==', `bearer ${'A'.repeat(43)}`),
        headerValue(`DPoP ${'A'.repeat(43)}`),
        fc.constantFrom('DPoP', 'DPoP ', `dpop ${'A'.repeat(43)}`),
      ),
      // A DPoP header: none, a real proof (for another URL), hostile text, JWS-shaped junk.
      dpop: fc.oneof(
        headerValue(validProof),
        fc
          .tuple(fc.base64String({ maxLength: 80 }), fc.base64String({ maxLength: 200 }))
          .map(([head, body]) => `${head}.${body}.${'A'.repeat(86)}`),
        fc.string({ unit: 'binary-ascii', maxLength: 5_000 }).map(printable),
      ),
      origin: headerValue(PARTNER_ORIGIN),
      csrf: headerValue('1'),
      requestId: headerValue('req-1'),
      contentType: headerValue('application/json'),
      cookie: headerValue(`__Host-bank-connect-session=${'A'.repeat(43)}`),
    });
    let parserRefusals = 0;
    await assertProperty('headers', 0x4ead, RUNS.headers, arbitrary, async (input) => {
      const [method, path, body] = input.endpoint;
      const lines = [`${method} ${path} HTTP/1.1`, `Host: ${hostOf(bff.url)}`, 'Connection: close'];
      const add = (name: string, value: string | undefined) => {
        // CR and LF would change the framing: attacks.test.ts covers header splitting.
        if (value !== undefined) lines.push(`${name}: ${value.replace(/[\r\n]/g, '')}`);
      };
      add('Authorization', input.authorization);
      add('Origin', input.origin);
      add('DPoP', input.dpop);
      add('X-Bank-Connect', input.csrf);
      add('X-Request-ID', input.requestId);
      add('Content-Type', input.contentType);
      add('Cookie', input.cookie);
      const bytes = Buffer.from(body, 'utf8');
      if (bytes.length > 0) lines.push(`Content-Length: ${bytes.length}`);
      // UTF-8 on the wire: a header's non-ASCII characters arrive as bytes 0x80-0xFF.
      const head = Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), bytes]);
      const response = await rawRequest(bff.url, head);
      if (response.status === 400 && !response.head.toLowerCase().includes('x-request-id')) {
        parserRefusals += 1; // Node's HTTP parser refused the bytes before the app saw them
        assert.equal(response.body, '');
        return;
      }
      const contentType = response.headers.find(([name]) => name === 'content-type')?.[1] ?? '';
      if (path.startsWith('/v1/callback')) {
        assert.ok(response.status < 500, `callback: ${response.status}`);
        return;
      }
      checkAnswer(
        response.status,
        contentType,
        response.body,
        `headers ${JSON.stringify(input).slice(0, 200)}`,
      );
    });
    console.log(`fuzz: headers: ${parserRefusals} refused by Node's HTTP parser`);
  });

  it('path parameters: flow ids and account ids, encoded or raw', async () => {
    const segment = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }).map((value) => encodeURIComponent(value)),
      fc.constantFrom(
        '..',
        '%2e%2e',
        '..%2F..%2Fhealthz',
        'a%2Fb',
        '%2F',
        '%00',
        '%',
        '%zz',
        '%E0%A4%A',
        '%C0%AF',
        '%ED%A0%80',
        '%FF',
        '.',
        'A'.repeat(22),
        'A'.repeat(5000),
        `${'A'.repeat(21)}%C3%A9`,
        'con',
        '%20',
        '+',
        ';',
        '%3B',
      ),
      fc
        .array(
          fc.constantFrom(
            'a',
            'Z',
            '9',
            '-',
            '_',
            '.',
            '%',
            '2',
            'F',
            '~',
            '!',
            '$',
            "'",
            '(',
            ':',
            '@',
          ),
          {
            maxLength: 30,
          },
        )
        .map((chars) => chars.join('')),
      fc
        .string({ unit: 'grapheme', maxLength: 10 })
        .map((value) => Buffer.from(value, 'utf8').toString('latin1')),
    );
    const arbitrary = fc.record({
      segment,
      route: fc.constantFrom('complete', 'balances', 'transactions'),
    });
    await assertProperty(
      'path parameters',
      0x9a7,
      RUNS.paths,
      arbitrary,
      async ({ segment: seg, route }) => {
        const path =
          route === 'complete' ? `/v1/flows/${seg}/complete` : `/v1/accounts/${seg}/${route}`;
        const method = route === 'complete' ? 'POST' : 'GET';
        const body =
          route === 'complete'
            ? JSON.stringify({ code: 'x', state: 'y', codeVerifier: createPkce().verifier })
            : '';
        const head = Buffer.concat([
          Buffer.from(
            [
              `${method} ${path} HTTP/1.1`,
              `Host: ${hostOf(bff.url)}`,
              'Connection: close',
              `Origin: ${PARTNER_ORIGIN}`,
              'X-Bank-Connect: 1',
              `Authorization: DPoP ${handle}`,
              `DPoP: ${bff.dpopKey.signSync({ htm: method, htu: `${bff.url}${path}`, handle })}`,
              ...(body ? ['Content-Type: application/json', `Content-Length: ${body.length}`] : []),
              '',
              '',
            ].join('\r\n'),
            'latin1',
          ),
          Buffer.from(body),
        ]);
        const response = await rawRequest(bff.url, head);
        if (response.status === 400 && !response.head.toLowerCase().includes('x-request-id'))
          return;
        const contentType = response.headers.find(([name]) => name === 'content-type')?.[1] ?? '';
        checkAnswer(response.status, contentType, response.body, `${method} ${path.slice(0, 120)}`);
      },
    );
  });

  it('session handles and cursors', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const handleLike = fc.oneof(
      fc
        .array(fc.constantFrom(...alphabet), { minLength: 43, maxLength: 43 })
        .map((chars) => chars.join('')),
      fc
        .tuple(fc.nat({ max: 42 }), fc.constantFrom(...alphabet))
        .map(([index, char]) => `${handle.slice(0, index)}${char}${handle.slice(index + 1)}`),
      fc.nat({ max: 60 }).map((length) => handle.repeat(2).slice(0, length)),
      // Printable only: fetch refuses control characters (the raw-bytes property sends those).
      fc
        .string({ unit: 'binary-ascii', maxLength: 80 })
        .filter((value) => ![...value].some(isControl)),
    );
    const cursorLike = fc.oneof(
      fc.nat({ max: 400 }).map((cut) => cursor.slice(0, cut)),
      fc.tuple(fc.nat(), fc.constantFrom(...alphabet)).map(([at, char]) => {
        const index = at % cursor.length;
        return `${cursor.slice(0, index)}${char}${cursor.slice(index + 1)}`;
      }),
      fc.constant(beneficiaryCursor ?? cursor),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.base64String({ maxLength: 400 }),
    );
    const arbitrary = fc.record({
      handle: fc.option(handleLike, { nil: undefined }),
      cursor: fc.option(cursorLike, { nil: undefined }),
      route: fc.constantFrom('session', 'accounts', 'transactions', 'beneficiaries', 'identity'),
    });
    await assertProperty(
      'handles and cursors',
      0x5e55,
      RUNS.handlesAndCursors,
      arbitrary,
      async (input) => {
        const query =
          input.cursor === undefined ? '' : `?cursor=${encodeURIComponent(input.cursor)}`;
        const path = {
          session: '/v1/session',
          accounts: '/v1/accounts',
          transactions: `/v1/accounts/${encodeURIComponent(accountId)}/transactions${query}`,
          beneficiaries: `/v1/trusted-beneficiaries${query}`,
          identity: '/v1/identity',
        }[input.route];
        const response = await bff.call('GET', path, {
          ...(input.handle === undefined ? {} : { handle: input.handle }),
        });
        const status = response.status;
        await check(response, `${path.slice(0, 100)} ${input.handle ?? ''}`);
        if (input.handle !== undefined && input.handle.trim() !== handle) {
          assert.equal(status, 401, 'only the real handle opens the session');
        }
      },
    );
  });
});
