import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Rolldown } from 'vite';
import { buildWidget, staticClosure } from '../support/widget-build.js';

const VERSION = '1.0.0';

/** The build's output, chunks and assets, by file name. */
async function buildDropIn(): Promise<Map<string, Rolldown.OutputChunk | Rolldown.OutputAsset>> {
  const items = await buildWidget('production', {}, { assets: true });
  return new Map(items.map((item) => [item.fileName, item]));
}

function textOf(item: Rolldown.OutputChunk | Rolldown.OutputAsset | undefined): string {
  if (!item) return '';
  return item.type === 'chunk' ? item.code : String(item.source);
}

describe('the widget builds', () => {
  it('the drop-in entry loads the consent and the English messages on demand, from its own folder', async () => {
    const output = await buildDropIn();
    const root = output.get('bank-connect.js');
    const entry = output.get(`bank-connect/${VERSION}/bank-connect.js`);
    assert.ok(root?.type === 'chunk' && entry?.type === 'chunk', 'both entries are built');
    assert.deepEqual(
      [...new Set(root.imports)],
      [entry.fileName],
      'bank-connect.js only re-exports the versioned entry',
    );
    const chunks = [...output.values()].filter((item) => item.type === 'chunk');
    const reached = staticClosure(chunks, 'bank-connect.js');
    assert.deepEqual([...reached].sort(), [root.fileName, entry.fileName].sort());
    const flow = chunks.find((chunk) => /\/consent-[\w-]+\.js$/.test(chunk.fileName));
    const english = chunks.find((chunk) => /\/en-[\w-]+\.js$/.test(chunk.fileName));
    assert.ok(flow && english, 'the consent and the English messages are chunks of their own');
    for (const lazy of [flow, english]) {
      assert.ok(!reached.has(lazy.fileName), `${lazy.fileName} is not imported statically`);
      assert.ok(entry.dynamicImports.includes(lazy.fileName), `${lazy.fileName} loads on demand`);
    }
    assert.match(flow.code, /SHA-256/, 'PKCE is in the consent chunk');
    assert.doesNotMatch(entry.code, /SHA-256/, 'and not in the entry');
    assert.deepEqual(flow.imports, [entry.fileName], 'it imports what it shares from the entry');
    assert.ok(!flow.code.includes(`bank-connect/${VERSION}`), 'and names no folder');
    for (const chunk of chunks) {
      if (chunk.fileName === 'bank-connect.js') continue;
      assert.ok(chunk.fileName.startsWith(`bank-connect/${VERSION}/`), chunk.fileName);
    }
  });

  it('lists every drop-in file in widget.json with its SRI hash, and a pinnable entry', async () => {
    const output = await buildDropIn();
    const manifest = JSON.parse(textOf(output.get('widget.json'))) as {
      version: string;
      entry: string;
      pinnedEntry: string;
      files: { path: string; integrity: string }[];
    };
    assert.equal(manifest.version, VERSION);
    assert.equal(manifest.entry, 'bank-connect.js');
    const scripts = [...output.keys()].filter((name) => name.endsWith('.js')).sort();
    assert.deepEqual(manifest.files.map((file) => file.path).sort(), scripts);
    for (const file of manifest.files) {
      const digest = createHash('sha384')
        .update(textOf(output.get(file.path)))
        .digest('base64');
      assert.equal(file.integrity, `sha384-${digest}`, file.path);
    }
    // The pinned entry is the module itself, and imports its chunks beside it.
    const pinned = textOf(output.get(manifest.pinnedEntry));
    assert.equal(manifest.pinnedEntry, `bank-connect/${VERSION}/bank-connect.js`);
    assert.ok(!pinned.includes(`bank-connect/${VERSION}`), 'the pinned entry names no folder');
    assert.ok(/import\(["'`]\.\/consent-/.test(pinned), 'it imports ./consent-…');
  });

  it('the ES entry leaves the consent, with the flow and PKCE, to a chunk loaded on demand', async () => {
    const chunks = await buildWidget('es');
    assert.ok(
      chunks.some((chunk) => chunk.fileName === 'index.js'),
      'index.js is built',
    );
    const reached = staticClosure(chunks, 'index.js');
    for (const chunk of chunks.filter((candidate) => reached.has(candidate.fileName))) {
      assert.doesNotMatch(chunk.code, /SHA-256/, `${chunk.fileName} leaves PKCE to the consent`);
    }
    const flow = chunks.find((chunk) => chunk.fileName.startsWith('consent-'));
    assert.ok(flow, 'the consent is a chunk of its own');
    assert.ok(!reached.has(flow.fileName), 'the entry does not import the flow statically');
    // PKCE shares its Web Crypto helpers with the DPoP signer, which the client imports too.
    const consent = chunks.filter((chunk) =>
      staticClosure(chunks, flow.fileName).has(chunk.fileName),
    );
    assert.ok(
      consent.some((chunk) => !reached.has(chunk.fileName) && /SHA-256/.test(chunk.code)),
      'the consent chunk and its imports hold PKCE and the signer',
    );
    const importers = chunks.filter((chunk) => chunk.dynamicImports.includes(flow.fileName));
    assert.ok(
      importers.some((chunk) => reached.has(chunk.fileName)),
      'the entry imports the flow on demand',
    );
  });

  it('@bank-connect/widget/client is an entry of its own, without Lit, the element or the flow', async () => {
    const chunks = await buildWidget('es');
    const client = chunks.find((chunk) => chunk.fileName === 'client.js');
    assert.ok(client, 'client.js is built');
    assert.deepEqual(client.exports.filter((name) => /^[a-z]/i.test(name)).sort(), [
      'BankConnectError',
      'createBankConnectClient',
    ]);
    const reached = chunks.filter((chunk) =>
      staticClosure(chunks, 'client.js').has(chunk.fileName),
    );
    for (const chunk of reached) {
      assert.ok(!chunk.imports.includes('lit'), `${chunk.fileName} imports no Lit`);
      assert.doesNotMatch(chunk.code, /customElements|LitElement|popup/, chunk.fileName);
    }
    assert.ok(
      reached.some((chunk) => /ECDSA/.test(chunk.code)),
      'it signs its DPoP proofs itself',
    );
  });
});
