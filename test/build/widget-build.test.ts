import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildWidget, staticClosure } from '../support/widget-build.js';

describe('the widget builds', () => {
  it('the drop-in is one self-contained file', async () => {
    const chunks = await buildWidget('production');
    assert.deepEqual(
      chunks.map((chunk) => chunk.fileName),
      ['bank-connect.js'],
    );
    const [dropIn] = chunks;
    assert.deepEqual(dropIn?.imports, []);
    assert.deepEqual(dropIn?.dynamicImports, []);
    assert.doesNotMatch(dropIn?.code ?? '', /\bimport\s*\(/);
  });

  it('the ES entry leaves the authorization flow and oauth4webapi to a chunk loaded on demand', async () => {
    const chunks = await buildWidget('es');
    assert.ok(
      chunks.some((chunk) => chunk.fileName === 'index.js'),
      'index.js is built',
    );
    const reached = staticClosure(chunks, 'index.js');
    const imports = chunks.filter((chunk) => reached.has(chunk.fileName)).flatMap((c) => c.imports);
    assert.ok(!imports.includes('oauth4webapi'), 'the entry does not import oauth4webapi');
    const flow = chunks.find((chunk) => chunk.fileName.startsWith('authorization-flow-'));
    assert.ok(flow, 'the flow is a chunk of its own');
    assert.ok(!reached.has(flow.fileName), 'the entry does not import the flow statically');
    assert.ok(flow.imports.includes('oauth4webapi'), 'the flow chunk imports oauth4webapi');
    const importers = chunks.filter((chunk) => chunk.dynamicImports.includes(flow.fileName));
    assert.ok(
      importers.some((chunk) => reached.has(chunk.fileName)),
      'the entry imports the flow on demand',
    );
  });
});
