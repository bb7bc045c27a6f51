// The element as published: web-test-runner.config.js builds the ES entry (minified, internal
// names shortened) before the run. Its define runs first, so the source define that the suite
// below imports finds the tag taken and does nothing: the whole element suite runs on the build.
import '../../node_modules/.cache/bank-connect/es/define.js';
import { expect } from '@open-wc/testing';
import './bank-connect.test.js';

const BUILT_ENTRY = '../../node_modules/.cache/bank-connect/es/index.js';

describe('the built ES module', () => {
  it('is the <bank-connect> the element suite ran against in this page', async () => {
    const built = (await import(/* @vite-ignore */ BUILT_ENTRY)) as { BankConnect: unknown };
    await expect(customElements.get('bank-connect')).to.equal(built.BankConnect);
  });
});
