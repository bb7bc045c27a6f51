import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BankConnectError, type WidgetErrorCode } from '../../widget/errors.js';
import { cli } from '@custom-elements-manifest/analyzer/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const readme = readFileSync(new URL('../../docs/front-end.md', import.meta.url), 'utf8');
const errors = readFileSync(new URL('../../widget/errors.ts', import.meta.url), 'utf8');

interface Named {
  name: string;
  fieldName?: string;
}

interface ElementDeclaration {
  tagName?: string;
  attributes?: Named[];
  events?: Named[];
  cssParts?: Named[];
  cssProperties?: Named[];
}

interface Manifest {
  modules: { declarations?: ElementDeclaration[] }[];
}

/** The manifest `npm run build` publishes, generated in memory with the same configuration. */
async function generateManifest(): Promise<ElementDeclaration> {
  const manifest = (await cli({
    argv: ['analyze', '--config', 'custom-elements-manifest.config.mjs', '--quiet'],
    cwd: ROOT,
    noWrite: true,
  })) as Manifest;
  const element = manifest.modules
    .flatMap((module) => module.declarations ?? [])
    .find((declaration) => declaration.tagName === 'bank-connect');
  assert.ok(element, 'the manifest declares <bank-connect>');
  return element;
}

const element = await generateManifest();

describe('docs/front-end.md and the element’s Custom Elements Manifest', () => {
  it('lists the public attributes only, never internal state', () => {
    assert.deepEqual(
      element.attributes?.map((attribute) => [attribute.name, attribute.fieldName]),
      [
        ['bff', 'bff'],
        ['mode', 'mode'],
        ['scopes', 'scopes'],
        ['lang', 'lang'],
        ['aspsp', 'aspsp'],
        ['session', 'session'],
        ['session-cookie', 'sessionCookie'],
        ['return-to', 'returnTo'],
        ['partner', 'partner'],
      ],
    );
  });

  it('documents every attribute in docs/front-end.md, with its property', () => {
    for (const attribute of element.attributes ?? []) {
      const row = new RegExp(`\\| \`${attribute.name}\`\\s+\\| \`${attribute.fieldName}\`\\s+\\|`);
      assert.match(readme, row, attribute.name);
    }
  });

  it('documents every event, part and custom property', () => {
    const { events, cssParts, cssProperties } = element;
    for (const [kind, names] of Object.entries({ events, cssParts, cssProperties })) {
      assert.ok((names?.length ?? 0) > 3, `the manifest has ${kind}`);
      for (const { name } of names ?? [])
        assert.ok(readme.includes(`\`${name}\``), `${kind}: ${name} is in docs/front-end.md`);
    }
  });

  it('lists every error code the widget raises itself, and whether it is retryable', () => {
    const union = /export type WidgetErrorCode =([^;]+);/.exec(errors)?.[1] ?? '';
    const codes = [...union.matchAll(/'([A-Z_]+)'/g)].map((match) => match[1]);
    assert.ok(codes.length > 10, 'the widget has its codes');
    for (const code of codes) {
      const retryable = new BankConnectError(code as WidgetErrorCode, '').retryable;
      const row = `\\| \`${code}\`\\s+\\| ${retryable ? 'yes' : 'no'} `;
      assert.match(readme, new RegExp(row), code);
    }
  });
});
