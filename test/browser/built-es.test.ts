// The element as published: web-test-runner.config.js builds the ES entry (minified, internal
// names shortened) before the run. Its define runs first, so the source define that the suite
// below imports finds the tag taken and does nothing: the whole element suite runs on the build.
import '../../node_modules/.cache/bank-connect/es/define.js';
import { expect } from '@open-wc/testing';
import type * as ClientModule from '../../widget/client.js';
import './bank-connect.test.js';

const BUILT_ENTRY = '../../node_modules/.cache/bank-connect/es/index.js';
const BUILT_CLIENT = '../../node_modules/.cache/bank-connect/es/client.js';

describe('the built ES module', () => {
  it('is the <bank-connect> the element suite ran against in this page', async () => {
    const built = (await import(/* @vite-ignore */ BUILT_ENTRY)) as { BankConnect: unknown };
    await expect(customElements.get('bank-connect')).to.equal(built.BankConnect);
  });

  it('ships a client whose shortened names agree across its chunks: it reads with a proof', async () => {
    const built = (await import(/* @vite-ignore */ BUILT_CLIENT)) as typeof ClientModule;
    const bff = `${location.origin}/stub-bff/pages.${Math.random().toString(36).slice(2, 8)}/`;
    const client = built.createBankConnectClient({ bff, sessionHandle: 'sh-active' });
    const pages: unknown[] = [];
    for await (const page of client.transactionPages('acc 1/a')) pages.push(page);
    expect(pages).to.have.length(3);
    const failure = await client.balances('acc-unknown').catch((error: unknown) => error);
    expect(failure).to.be.instanceOf(built.BankConnectError);
    expect(failure).to.include({ code: 'NOT_FOUND', status: 404 });
  });
});
