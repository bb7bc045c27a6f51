import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SANDBOX_BANKS } from '../../demo/sandbox/banks.js';
import { html } from '../../demo/sandbox/pages/html.js';
import { renderLoginPage } from '../../demo/sandbox/pages/views.js';

describe('sandbox page rendering', () => {
  it('escapes every interpolated value', () => {
    const hostile = `"><script>alert('x')</script>&`;
    assert.equal(
      html`<p title="${hostile}">${hostile}</p>`.value,
      '<p title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</p>',
    );
  });

  it('escapes the client name and errors on the consent pages', () => {
    const bank = SANDBOX_BANKS[0];
    assert.ok(bank);
    const page = renderLoginPage({
      bank,
      lang: 'fr',
      requestId: 'r"1',
      clientName: '<img src=x onerror=alert(1)>',
      clientId: 'PSDFR-ACPR-12345',
      switchLanguageHref: '/azur/authorize/step?req=r&lang=en',
      error: '<b>oops</b>',
    });
    assert.doesNotMatch(page, /<img|<b>/);
    assert.match(page, /value="r&quot;1"/);
    assert.match(page, /aria-describedby="form-error"/);
  });
});
