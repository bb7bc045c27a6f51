import { expect } from '@open-wc/testing';
import { catalogues } from '../../widget/locales/translate.js';
import { button, mount, stubBff, unmountAll } from './support/helpers.js';

function heading(el: HTMLElement): string {
  return el.shadowRoot?.querySelector('h2')?.textContent?.trim() ?? '';
}

describe('the English messages, loaded on demand', () => {
  const realLoad = catalogues.load;

  afterEach(() => {
    unmountAll();
    catalogues.load = realLoad;
  });

  it('are not fetched by a French page, and are once the element speaks English', async () => {
    let loads = 0;
    let release = () => {};
    const gate = new Promise<void>((done) => (release = done));
    catalogues.load = () => {
      loads += 1;
      return gate.then(realLoad);
    };
    const { el, events } = await mount({ bff: stubBff() });
    await events.step('open');
    await el.updateComplete;
    await expect(heading(el)).to.equal('Connecter votre banque');
    await expect(loads).to.equal(0);
    await expect(catalogues.loaded.en).to.equal(undefined);

    el.lang = 'en';
    // Until the messages arrive, the element shows no text rather than a flash of French.
    await new Promise((resolve) => requestAnimationFrame(resolve));
    await expect(heading(el)).to.equal('');
    release();
    await el.updateComplete;
    await expect(heading(el)).to.equal('Connect your bank');
    await expect(loads).to.equal(1);
  });

  it('reports a failed fetch as a retryable SCRIPT_LOAD_FAILED, and fetches again on retry', async () => {
    delete catalogues.loaded.en;
    let fail = true;
    catalogues.load = () => (fail ? Promise.reject(new Error('offline')) : realLoad());
    const { el, events } = await mount({ bff: stubBff(), lang: 'en' });
    expect(await events.wait('bank-connect-error')).to.include({
      code: 'SCRIPT_LOAD_FAILED',
      retryable: true,
    });
    await el.updateComplete;
    // One failed fetch, one error: the element asks for its messages once, however it starts.
    expect(events.of('bank-connect-error')).to.have.length(1);
    fail = false;
    // The error view can only speak French: its catalogue is the one that failed.
    button(el, 'Réessayer').click();
    await events.step('open');
    await el.updateComplete;
    await expect(heading(el)).to.equal('Connect your bank');
  });
});
