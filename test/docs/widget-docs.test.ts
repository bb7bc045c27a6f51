import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const source = readFileSync(new URL('../../widget/bank-connect.ts', import.meta.url), 'utf8');
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The names a JSDoc tag lists in the element's class doc comment (its public API). */
function tagged(tag: string): string[] {
  return [...source.matchAll(new RegExp(`@${tag} ([\\w-]+)`, 'g'))].map((match) => match[1] ?? '');
}

describe('README and the element’s API', () => {
  it('documents every attribute the element declares', () => {
    const attributes = [...source.matchAll(/@property\(\{ attribute: '([\w-]+)'/g)].map(
      (match) => match[1],
    );
    assert.ok(attributes.length >= 7);
    for (const attribute of attributes)
      assert.match(readme, new RegExp(`\\| \`${attribute}\`\\s+\\|`), attribute);
  });

  it('documents every event, part and custom property of the class doc comment', () => {
    for (const tag of ['event', 'csspart', 'cssproperty']) {
      const names = tagged(tag);
      assert.ok(names.length > 3, `the class documents its ${tag}s`);
      for (const name of names)
        assert.ok(readme.includes(`\`${name}\``), `${tag} ${name} is in the README`);
    }
  });
});
