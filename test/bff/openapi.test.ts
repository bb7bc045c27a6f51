import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Router } from 'express';
import {
  ERROR_CODES,
  ERRORS,
  OPERATIONS,
  listOperationErrors,
  type Operation,
} from '../../backend-for-frontend/contract/index.js';
import { startTestBff, type TestBff } from '../support/bff.js';
import { createContractChecker } from '../support/contract.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

interface Document {
  openapi: string;
  paths: Record<
    string,
    Record<string, { responses: Record<string, { description: string }>; operationId: string }>
  >;
  components: { schemas: Record<string, { properties?: Record<string, { enum?: string[] }> }> };
}

/** Every `METHOD /path` the router serves, found by walking Express's layer stack. */
function listRoutes(router: { stack: Layer[] }): string[] {
  return router.stack.flatMap((layer) => {
    if (layer.route) {
      return Object.keys(layer.route.methods).map(
        (method) => `${method.toUpperCase()} ${layer.route?.path ?? ''}`,
      );
    }
    return layer.handle?.stack ? listRoutes(layer.handle as { stack: Layer[] }) : [];
  });
}

describe('BFF OpenAPI document', () => {
  let sandbox: TestSandbox;
  let bff: TestBff;
  let document: Document;
  before(async () => {
    sandbox = await startTestSandbox();
    bff = await startTestBff(sandbox);
    document = (await (await fetch(`${bff.url}/v1/openapi.json`)).json()) as Document;
  });
  after(async () => {
    await bff.stop();
    await sandbox.stop();
  });

  it('describes exactly the routes the BFF serves, each once', () => {
    const served = listRoutes(bff.app.bankConnect as unknown as Router & { stack: Layer[] })
      .map((route) => route.replace(/:(\w+)/g, '{$1}'))
      .sort();
    const documented = Object.entries(document.paths)
      .flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    assert.deepEqual(served, documented);
    assert.equal(new Set(served).size, served.length);
  });

  it('lists, for each operation, the status of every error it may answer', () => {
    for (const [id, operation] of Object.entries(OPERATIONS) as [string, Operation][]) {
      const responses = document.paths[operation.path]?.[operation.method]?.responses ?? {};
      for (const code of listOperationErrors(operation)) {
        const { status } = ERRORS[code];
        assert.ok(responses[String(status)], `${id}: no ${status} for ${code}`);
        if (status !== operation.success.status && !operation.otherResponses?.[String(status)]) {
          assert.match(responses[String(status)]?.description ?? '', new RegExp(`\`${code}\``));
        }
      }
    }
  });

  it('names every error code in the ApiError schema, from the one table', () => {
    assert.deepEqual(document.components.schemas.ApiError?.properties?.error?.enum, ERROR_CODES);
  });

  it('compiles as JSON Schema 2020-12, every component', () => {
    const checker = createContractChecker(document as never);
    for (const name of Object.keys(document.components.schemas)) {
      assert.equal(typeof checker.component(name), 'function', name);
    }
  });

  it('catches a field the BFF answers but the contract does not have', () => {
    const checker = createContractChecker(document as never);
    const answer = {
      id: `ses_${'a'.repeat(43)}`,
      aspsp: 'azur',
      scopes: ['aisp'],
      expiresAt: '2027-01-01T00:00:00.000Z',
    };
    checker.checkAnswer(
      'GET',
      '/v1/session',
      200,
      JSON.stringify({ ...answer, status: 'active' }),
      'application/json',
    );
    assert.throws(
      () =>
        checker.checkAnswer(
          'GET',
          '/v1/session',
          200,
          JSON.stringify({ ...answer, status: 'active', accessToken: 'x' }),
          'application/json',
        ),
      /schema refuses/,
    );
    assert.throws(
      () => checker.checkAnswer('GET', '/v1/session', 418, '{}', 'application/json'),
      /does not list/,
    );
  });

  it('serves the document, with security headers on every answer', async () => {
    const response = await fetch(`${bff.url}/v1/openapi.json`);
    assert.equal(response.status, 200);
    assert.equal(document.openapi, '3.1.0');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.match(response.headers.get('strict-transport-security') ?? '', /max-age=/);
  });
});
