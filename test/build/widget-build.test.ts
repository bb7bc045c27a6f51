import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build, type Rolldown } from 'vite';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Builds the widget in memory with the repository's vite.config.ts in one of its two modes. */
async function buildWidget(mode: 'production' | 'es'): Promise<Rolldown.OutputChunk[]> {
  const output = await build({
    root: ROOT,
    configFile: `${ROOT}vite.config.ts`,
    mode,
    logLevel: 'silent',
    build: { write: false },
  });
  const results = (Array.isArray(output) ? output : [output]) as Rolldown.RolldownOutput[];
  return results
    .flatMap((result) => result.output)
    .filter((item): item is Rolldown.OutputChunk => item.type === 'chunk');
}

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
    const byName = new Map(chunks.map((chunk) => [chunk.fileName, chunk]));
    const entry = byName.get('index.js');
    assert.ok(entry, 'index.js is built');
    const reached = new Set<string>();
    const visit = (name: string) => {
      if (reached.has(name)) return;
      reached.add(name);
      for (const imported of byName.get(name)?.imports ?? []) visit(imported);
    };
    visit('index.js');
    assert.ok(!reached.has('oauth4webapi'), 'the entry does not import oauth4webapi');
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
