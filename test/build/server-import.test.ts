import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

describe('importing the widget on the server', () => {
  it('touches no browser global, and defines the element only in Lit’s server registry', async () => {
    assert.equal(typeof (globalThis as { window?: unknown }).window, 'undefined');
    const before = new Set(Object.getOwnPropertyNames(globalThis));
    // Node has no window, document, localStorage or location: a module that used any of them
    // while loading would throw here.
    const entry = await import('../../widget/index.js');
    await import('../../widget/define.js');
    await import('../../widget/authorization/authorization-flow.js');
    const added = Object.getOwnPropertyNames(globalThis).filter((name) => !before.has(name));
    // What Lit's server build installs for server-side rendering: its version lists, a
    // `customElements` registry shim and its root. Nothing of the widget's own.
    const lit = /^(lit\w*Versions|reactiveElementVersions|litPropertyMetadata|litServerRoot)$/;
    assert.deepEqual(
      added.filter((name) => !lit.test(name) && name !== 'customElements'),
      [],
    );
    for (const name of ['window', 'document', 'localStorage', 'location'])
      assert.ok(!(name in globalThis), `${name} stays undefined`);
    entry.defineBankConnect();
    entry.defineBankConnect();
    assert.equal(customElements.get('bank-connect'), entry.BankConnect);
  });
});
