import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Router } from 'express';
import { OPENAPI } from '../../backend-for-frontend/openapi.js';
import { startTestBff, type TestBff } from '../support/bff.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
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
  before(async () => {
    sandbox = await startTestSandbox();
    bff = await startTestBff(sandbox);
  });
  after(async () => {
    await bff.stop();
    await sandbox.stop();
  });

  it('describes exactly the routes the BFF serves', () => {
    const served = listRoutes(bff.app.bankConnect as unknown as Router & { stack: Layer[] })
      .map((route) => route.replace(/:(\w+)/g, '{$1}'))
      .filter((route) => route !== 'GET /v1/openapi.json')
      .sort();
    const documented = Object.entries(OPENAPI.paths)
      .flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    assert.deepEqual(served, documented);
  });

  it('serves the document, with security headers on every answer', async () => {
    const response = await fetch(`${bff.url}/v1/openapi.json`);
    assert.equal(response.status, 200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, unknown> };
    assert.equal(document.openapi, '3.1.0');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.match(response.headers.get('strict-transport-security') ?? '', /max-age=/);
  });
});
