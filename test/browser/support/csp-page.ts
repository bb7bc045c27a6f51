/**
 * Runs inside /stub-bff/csp-page.html, served with `script-src 'self'; style-src 'self'` and
 * Trusted Types enforced: mounts the element, picks a bank, and reports to the parent test.
 */
import '../../../widget/define.js';

const violations: string[] = [];
document.addEventListener('securitypolicyviolation', (event) => {
  violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});

function onStep(target: EventTarget, step: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (event: Event) => {
      if ((event as CustomEvent<{ step: string }>).detail.step !== step) return;
      target.removeEventListener('bank-connect-step', listener);
      resolve();
    };
    target.addEventListener('bank-connect-step', listener);
  });
}

/** Proves the policy is really in force: a raw HTML string sink must throw. */
function probeTrustedTypes(): boolean {
  try {
    document.createElement('div').innerHTML = '<b>probe</b>';
    return false;
  } catch {
    return true;
  }
}

async function run(): Promise<void> {
  const el = document.createElement('bank-connect');
  el.setAttribute('bff', `${location.origin}/stub-bff/ok.csp/`);
  el.setAttribute('lang', 'en');
  const opened = onStep(el, 'open');
  const selected = onStep(el, 'select_bank');
  document.body.append(el);
  await opened;
  await el.updateComplete;
  const input = el.shadowRoot?.querySelector<HTMLInputElement>('#bank-search');
  if (!input) throw new Error('no search field');
  input.value = 'societe';
  input.dispatchEvent(new Event('input'));
  await el.updateComplete;
  const options = el.shadowRoot?.querySelectorAll('[role="option"]').length ?? 0;
  input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
  await selected;
  await el.updateComplete;
  const seen = [...violations];
  parent.postMessage(
    {
      type: 'csp-result',
      view: el.currentView,
      options,
      styleSheets: el.shadowRoot?.adoptedStyleSheets.length ?? 0,
      violations: seen,
      enforced: probeTrustedTypes(),
    },
    location.origin,
  );
}

run().catch((error: unknown) => {
  parent.postMessage({ type: 'csp-result', error: String(error), violations }, location.origin);
});
