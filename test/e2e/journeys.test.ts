/**
 * End-to-end journeys in Debian Chromium against the real demo: the sandbox banks in their own
 * process, the BFF and the demo server, the drop-in widget. Run after `npm run build:demo`.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestBff } from '../support/bff.js';
import { createDpopKey } from '../support/dpop.js';
import { startTestSandbox } from '../support/sandbox.js';
import {
  instrument,
  launchBrowser,
  Recorder,
  saveScreenshot,
  startE2eDemo,
  type E2eDemo,
} from './support/harness.js';

const TIMEOUT = 20_000;

/** A one-page partner site on localhost, whose HTML names the BFF once it is known. */
async function servePage(html: (bffUrl: string) => string) {
  const served = {
    bffUrl: '',
    origin: '',
    url: '',
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html(served.bffUrl));
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  served.origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  served.url = `${served.origin}/`;
  return served;
}

describe('end-to-end journeys', { timeout: 300_000 }, () => {
  let demo: E2eDemo;
  let browser: Browser;
  const recorders: Recorder[] = [];

  before(async () => {
    demo = await startE2eDemo();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  /** A fresh browser profile, recorded and instrumented. */
  const openContext = async (options: { blockPopups?: boolean; url?: string } = {}) => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'fr-FR',
    });
    context.setDefaultTimeout(TIMEOUT);
    await instrument(context);
    if (options.blockPopups) {
      // What a popup blocker does: window.open answers null.
      await context.addInitScript('window.open = () => null;');
    }
    const recorder = new Recorder(context);
    recorders.push(recorder);
    const page = await context.newPage();
    await page.goto(options.url ?? demo.url);
    return { context, page, recorder };
  };

  const combobox = (page: Page) => page.getByRole('combobox', { name: /Rechercher votre banque/ });

  /** Picks a bank with the keyboard only: type to search, arrow down, Enter. */
  const pickBank = async (page: Page, search: string, bankName: string) => {
    const input = combobox(page);
    await input.click();
    await page.keyboard.type(search);
    await page
      .getByRole('option', { name: new RegExp(bankName) })
      .first()
      .waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: `Continuer vers ${bankName}` }).waitFor();
  };

  /** The customer's steps on the sandbox bank's pages: log in, pass SCA, tick accounts, accept. */
  const consentAtBank = async (bank: Page, login = 'marie.dupont') => {
    await bank.getByLabel('Identifiant').fill(login);
    await bank.getByLabel('Mot de passe').fill('azerty');
    await bank.getByRole('button', { name: 'Se connecter' }).click();
    const code = /(\d{6})/.exec((await bank.locator('.demo-code').textContent()) ?? '')?.[1] ?? '';
    await bank.getByLabel('Code de sécurité').fill(code);
    await bank.getByRole('button', { name: 'Valider' }).click();
    await bank.getByRole('button', { name: 'Autoriser l’accès' }).waitFor();
    return bank;
  };

  /** The bank window closes itself after posting back; it may be gone before we look. */
  const waitUntilClosed = async (bank: Page) => {
    if (!bank.isClosed()) await bank.waitForEvent('close');
  };

  const accountsRegion = (page: Page) => page.getByRole('region', { name: 'Vos comptes' });

  const expectAccounts = async (page: Page) => {
    await accountsRegion(page).getByTestId('account-card').first().waitFor();
    assert.ok((await accountsRegion(page).getByTestId('account-card').count()) >= 1);
  };

  /** Connects in popup mode; returns the page once the dashboard shows the accounts. */
  const connectInPopup = async (
    context: BrowserContext,
    page: Page,
    search: string,
    bankName: string,
  ) => {
    await pickBank(page, search, bankName);
    const [bank] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('button', { name: `Continuer vers ${bankName}` }).click(),
    ]);
    await consentAtBank(bank);
    await bank.getByRole('button', { name: 'Autoriser l’accès' }).click();
    await waitUntilClosed(bank);
    await expectAccounts(page);
  };

  const sessionHandle = (page: Page) =>
    page.evaluate<string | null>("localStorage.getItem('fourmi:session')");

  /** Opens the presenter panel (a complementary landmark) if it is closed. */
  const presenter = async (page: Page) => {
    const toggle = page.getByRole('button', { name: 'Mode présentateur' });
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
    const panel = page.getByRole('complementary', { name: 'Mode présentateur' });
    await panel.waitFor();
    return panel;
  };
  const closePresenter = (page: Page) =>
    page
      .getByRole('complementary', { name: 'Mode présentateur' })
      .getByRole('button', { name: 'Fermer le panneau' })
      .click();

  it('1. popup: picks a bank by keyboard search, consents at the bank, shows the accounts', async () => {
    const { context, page, recorder } = await openContext();
    // "societe" finds "Société Mistral Banque": case and accents are ignored.
    await connectInPopup(context, page, 'societe', 'Société Mistral Banque');
    assert.match((await sessionHandle(page)) ?? '', /^[A-Za-z0-9_-]{43}$/);
    await page.getByTestId('transaction-row').first().waitFor();
    await saveScreenshot(page, '1-popup-connected');
    await page.setViewportSize({ width: 390, height: 844 });
    await saveScreenshot(page, '1-popup-connected-phone');
    await recorder.snapshot(page);
    await context.close();
  });

  it('1b. the React page (ES-module import) connects the same way', async () => {
    const { context, page, recorder } = await openContext();
    await page.goto(`${demo.url}/react.html`);
    await connectInPopup(context, page, 'bocage', 'Crédit du Bocage');
    await saveScreenshot(page, '1b-react-connected');
    await recorder.snapshot(page);
    await context.close();
  });

  it('2. redirect mode: the same journey in the tab, surviving a reload on return', async () => {
    const { context, page, recorder } = await openContext();
    const panel = await presenter(page);
    await panel.getByRole('radio', { name: 'Redirection' }).check();
    await closePresenter(page);
    await pickBank(page, 'bocage', 'Crédit du Bocage');
    await page.getByRole('button', { name: 'Continuer vers Crédit du Bocage' }).click();
    await page.waitForURL(/\/bocage\/authorize\/step/);
    await consentAtBank(page);
    await saveScreenshot(page, '2-bank-consent-page');
    await page.getByRole('button', { name: 'Autoriser l’accès' }).click();
    await page.waitForURL(new RegExp(`^${demo.url}`));
    await expectAccounts(page);
    assert.equal(new URL(page.url()).hash, '', 'the fragment with the result is cleared');
    const handle = await sessionHandle(page);
    await page.reload();
    await expectAccounts(page);
    assert.equal(await sessionHandle(page), handle);
    await recorder.snapshot(page);
    await context.close();
  });

  it('3a. cancel at the bank: the element says the customer refused', async () => {
    const { context, page, recorder } = await openContext();
    await pickBank(page, 'azur', 'Banque Azur');
    const [bank] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('button', { name: 'Continuer vers Banque Azur' }).click(),
    ]);
    await bank.getByRole('button', { name: 'Annuler et revenir au site' }).click();
    await page.getByRole('heading', { name: 'Connexion annulée' }).waitFor();
    await recorder.snapshot(page);
    await context.close();
  });

  it('3b. closing the bank window cancels, with a way to reopen or retry', async () => {
    const { context, page } = await openContext();
    await pickBank(page, 'azur', 'Banque Azur');
    const [bank] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('button', { name: 'Continuer vers Banque Azur' }).click(),
    ]);
    await page.getByRole('button', { name: 'Rouvrir la fenêtre de la banque' }).waitFor();
    await saveScreenshot(page, '3-waiting-for-bank');
    await bank.close();
    await page.getByRole('heading', { name: 'Connexion annulée' }).waitFor();
    const events = await page.evaluate<Array<{ name: string; detail: { reason?: string } }>>(
      'window.__bankConnectEvents',
    );
    assert.ok(
      events.some(
        (event) => event.name === 'bank-connect-cancel' && event.detail.reason === 'popup_closed',
      ),
    );
    await context.close();
  });

  it('3c. a blocked popup is said, and the journey continues in this tab', async () => {
    const { context, page, recorder } = await openContext({ blockPopups: true });
    await pickBank(page, 'lumiere', 'Caisse Lumière');
    await page.getByRole('button', { name: 'Continuer vers Caisse Lumière' }).click();
    await page.getByRole('heading', { name: 'La fenêtre de la banque a été bloquée' }).waitFor();
    await saveScreenshot(page, '3-popup-blocked');
    await page.getByRole('button', { name: 'Continuer dans cet onglet' }).click();
    await page.waitForURL(/\/lumiere\/authorize\/step/);
    await consentAtBank(page);
    await page.getByRole('button', { name: 'Autoriser l’accès' }).click();
    await page.waitForURL(new RegExp(`^${demo.url}`));
    await expectAccounts(page);
    await recorder.snapshot(page);
    await context.close();
  });

  it('4. an expired access token is refreshed transparently', async () => {
    const { context, page, recorder } = await openContext();
    await connectInPopup(context, page, 'azur', 'Banque Azur');
    await demo.admin('DELETE', '/banks/azur/calls');
    // Azur's access tokens live 300 s: move its clock past them.
    await demo.admin('POST', '/banks/azur/clock', { advanceSeconds: 400 });
    try {
      // The dashboard keeps the old figures on screen while it refreshes: wait for the new
      // accounts answer, which needs the refreshed token, not for figures already there.
      const accounts = page.waitForResponse((response) =>
        new URL(response.url()).pathname.endsWith('/v1/accounts'),
      );
      await page.getByRole('button', { name: 'Actualiser' }).click();
      assert.equal((await accounts).status(), 200);
      await expectAccounts(page);
      await page.getByTestId('transaction-row').first().waitFor();
      const calls = (await demo.admin('GET', '/banks/azur/calls')) as Record<string, number>;
      assert.equal(calls['POST /token refresh_token'], 1);
      await recorder.snapshot(page);
    } finally {
      await demo.admin('POST', '/reset');
    }
    await context.close();
  });

  it('5. an expired consent reconnects the same bank without choosing it again; the handle stays', async () => {
    const { context, page, recorder } = await openContext();
    await connectInPopup(context, page, 'mistral', 'Société Mistral Banque');
    const handle = await sessionHandle(page);
    const panel = await presenter(page);
    await panel.getByRole('button', { name: 'Consentement expiré' }).click();
    await panel
      .getByRole('status')
      .filter({ hasText: /appliqué/ })
      .waitFor();
    await closePresenter(page);
    await page.getByRole('button', { name: 'Actualiser' }).click();
    const reconnect = page.getByRole('button', { name: 'Reconnecter Société Mistral Banque' });
    await reconnect.waitFor();
    await saveScreenshot(page, '5-consent-expired');
    await reconnect.click();
    const [bank] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('button', { name: 'Continuer vers Société Mistral Banque' }).click(),
    ]);
    assert.equal(await combobox(page).count(), 0, 'no bank choice on a reconnect');
    await consentAtBank(bank);
    await bank.getByRole('button', { name: 'Autoriser l’accès' }).click();
    await waitUntilClosed(bank);
    await expectAccounts(page);
    await page.getByTestId('transaction-row').first().waitFor();
    assert.equal(await sessionHandle(page), handle);
    await recorder.snapshot(page);
    await context.close();
  });

  it('6. a bank that is down shows a clear error, and retry works once it is back', async () => {
    const { context, page, recorder } = await openContext();
    await connectInPopup(context, page, 'lumiere', 'Caisse Lumière');
    const panel = await presenter(page);
    // The presenter's scenario reloads the dashboard, which now meets the bank down.
    await panel.getByRole('button', { name: 'Banque indisponible' }).click();
    const alert = page.getByRole('alert').filter({ hasText: /Caisse Lumière/ });
    await alert.first().waitFor();
    await closePresenter(page);
    await saveScreenshot(page, '6-bank-down');
    await demo.admin('PUT', '/banks/lumiere/scenario', {});
    await alert.getByRole('button', { name: 'Réessayer' }).click();
    await expectAccounts(page);
    await page.getByTestId('transaction-row').first().waitFor();
    assert.equal(await alert.count(), 0);
    await recorder.snapshot(page);
    await context.close();
  });

  it('6b. a consent nearing its end: the nightly sync ran without the customer, who renews in time', async () => {
    const { context, page, recorder } = await openContext();
    await connectInPopup(context, page, 'azur', 'Banque Azur');
    const handle = await sessionHandle(page);
    try {
      const panel = await presenter(page);
      await panel.getByRole('button', { name: 'Avancer à 10 jours de la fin' }).click();
      const moved = panel.getByRole('status').filter({ hasText: /Horloge avancée|Échec/ });
      await moved.waitFor();
      assert.match((await moved.textContent()) ?? '', /Horloge avancée de \d+ jours/);
      // Fourmi's server got the BFF's signed webhooks: the connection, then the warning.
      const webhooks = panel.getByRole('log', { name: 'Webhooks reçus par le serveur de Fourmi' });
      await webhooks.getByText('session.connected').first().waitFor();
      await webhooks.getByText('session.expiring').first().waitFor();
      await panel.getByRole('button', { name: 'Synchro de nuit, sans le client' }).click();
      await panel
        .getByRole('status')
        .filter({ hasText: /synchronisée\(s\) sans le client/ })
        .waitFor();
      await closePresenter(page);
      const region = accountsRegion(page);
      await region.getByText(/Synchronisé sans vous le /).waitFor();
      const banner = region
        .getByRole('status')
        .filter({ hasText: /Votre accès à Banque Azur expire le/ });
      await banner.waitFor();
      await saveScreenshot(page, '6b-consent-expiring');
      await banner.getByRole('button', { name: 'Renouveler maintenant' }).click();
      const [bank] = await Promise.all([
        context.waitForEvent('page'),
        page.getByRole('button', { name: 'Continuer vers Banque Azur' }).click(),
      ]);
      await consentAtBank(bank);
      await bank.getByRole('button', { name: 'Autoriser l’accès' }).click();
      await waitUntilClosed(bank);
      await expectAccounts(page);
      await region.getByRole('button', { name: 'Actualiser' }).click();
      await expectAccounts(page);
      assert.equal(await banner.count(), 0, 'renewed: the banner is gone');
      assert.equal(await sessionHandle(page), handle, 'the handle stays the same');
      const again = await presenter(page);
      await again
        .getByRole('log', { name: 'Webhooks reçus par le serveur de Fourmi' })
        .getByText('session.renewed')
        .first()
        .waitFor();
      await again.getByRole('button', { name: 'Revenir à l’heure réelle' }).click();
      await again
        .getByRole('status')
        .filter({ hasText: /remises à l’heure réelle/ })
        .waitFor();
      await recorder.snapshot(page);
    } finally {
      // Whatever failed above, the journeys after this one run at real time.
      await demo.resetClock();
    }
    await context.close();
  });

  it('6c. across tabs: the bank returns in a window without its opener, and the tab that started the flow connects', async () => {
    const { context, page, recorder } = await openContext();
    await pickBank(page, 'mistral', 'Société Mistral Banque');
    const [bank] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('button', { name: 'Continuer vers Société Mistral Banque' }).click(),
    ]);
    // What a bank page with Cross-Origin-Opener-Policy, or a bank app, does: the window that
    // comes back has no opener to post to, so the callback lands on the partner page itself.
    await bank.waitForURL(/\/authorize/);
    await bank.evaluate('window.opener = null');
    await consentAtBank(bank);
    const asked = page.waitForResponse((response) =>
      /\/v1\/flows\/[\w-]+\/result$/.test(response.url()),
    );
    await bank.getByRole('button', { name: 'Autoriser l’accès' }).click();
    // The window that came back completes the flow on the partner page, says so on the
    // BroadcastChannel, and closes. The starting tab trusts no handle in the other window's message: it asks the BFF with its
    // own verifier and key, and shows what the BFF confirms.
    await expectAccounts(page);
    assert.equal((await asked).status(), 200, 'the starting tab asked the BFF for its flow');
    const events = await page.evaluate<Array<{ name: string; detail: { sessionHandle?: string } }>>(
      'window.__bankConnectEvents',
    );
    const success = events.filter((event) => event.name === 'bank-connect-success');
    assert.equal(success.length, 1);
    assert.match(success[0]?.detail.sessionHandle ?? '', /^[A-Za-z0-9_-]{43}$/);
    await recorder.snapshot(page);
    await context.close();
  });

  it('6d. a handle copied out of the browser gets 401 from Node, with or without a forged Origin', async () => {
    const { context, page, recorder } = await openContext();
    await connectInPopup(context, page, 'azur', 'Banque Azur');
    const handle = (await sessionHandle(page)) ?? '';
    assert.match(handle, /^[A-Za-z0-9_-]{43}$/);
    const thief = await createDpopKey();
    const accounts = `${demo.bffUrl}/v1/accounts`;
    const forged = { Origin: demo.url, 'X-Bank-Connect': '1' };
    const attempts: Array<[string, Record<string, string>]> = [
      ['no Origin, DPoP scheme, no proof', { Authorization: `DPoP ${handle}` }],
      ['no Origin, Bearer', { Authorization: `Bearer ${handle}` }],
      ['forged Origin, Bearer', { ...forged, Authorization: `Bearer ${handle}` }],
      ['forged Origin, DPoP scheme, no proof', { ...forged, Authorization: `DPoP ${handle}` }],
      [
        'forged Origin, a proof by the thief’s key',
        {
          ...forged,
          Authorization: `DPoP ${handle}`,
          DPoP: thief.signSync({ htm: 'GET', htu: accounts, handle }),
        },
      ],
    ];
    for (const [what, headers] of attempts) {
      const response = await fetch(accounts, { headers });
      assert.equal(response.status, 401, what);
      assert.match(response.headers.get('www-authenticate') ?? '', /^DPoP /, what);
      const body = (await response.json()) as { error: string };
      assert.ok(['dpop_proof_required', 'invalid_dpop_proof'].includes(body.error), what);
      assert.doesNotMatch(JSON.stringify(body), new RegExp(handle), what);
    }
    // The customer's page still reads, with the key that never left the browser.
    await page.reload();
    await expectAccounts(page);
    await recorder.snapshot(page);
    await context.close();
  });

  it('6e. cookie mode, same site: the handle stays in the HttpOnly cookie, bound to the browser’s key', async () => {
    // A partner page on localhost beside a BFF in cookie mode on localhost: the same site.
    const sandbox = await startTestSandbox();
    const page = await servePage((bffUrl) =>
      [
        '<!doctype html><html lang="fr"><title>Partenaire</title>',
        `<script type="module" src="${bffUrl}/bank-connect.js"></script>`,
        `<bank-connect bff="${bffUrl}" session-cookie mode="popup" partner="Partenaire"></bank-connect>`,
      ].join('\n'),
    );
    const bff = await startTestBff(sandbox, {
      env: { BFF_COOKIE_MODE: 'true', BFF_ALLOWED_ORIGINS: page.origin },
    });
    page.bffUrl = bff.url;
    try {
      const { context, page: tab, recorder } = await openContext({ url: page.url });
      await pickBank(tab, 'mistral', 'Société Mistral Banque');
      const [bank] = await Promise.all([
        context.waitForEvent('page'),
        tab.getByRole('button', { name: 'Continuer vers Société Mistral Banque' }).click(),
      ]);
      await consentAtBank(bank);
      await bank.getByRole('button', { name: 'Autoriser l’accès' }).click();
      const events = () =>
        tab.evaluate<Array<{ name: string; detail: Record<string, unknown> }>>(
          'window.__bankConnectEvents',
        );
      await tab.waitForFunction(
        "window.__bankConnectEvents.some((event) => event.name === 'bank-connect-success')",
      );
      const success = (await events()).find((event) => event.name === 'bank-connect-success');
      assert.equal(success?.detail.sessionHandle, undefined, 'no handle in the event');
      assert.match(String(success?.detail.sessionId), /^ses_/);

      const cookie = (await context.cookies(bff.url)).find(
        (candidate) => candidate.name === '__Host-bank-connect-session',
      );
      assert.ok(cookie, 'the BFF set its cookie');
      assert.equal(cookie.httpOnly, true);
      assert.equal(cookie.sameSite, 'Strict');
      const handle = cookie.value;
      const visible = await tab.evaluate<string>(
        'document.cookie + JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + ' +
          'JSON.stringify(window.__bankConnectEvents) + document.documentElement.outerHTML',
      );
      assert.ok(!visible.includes(handle), 'no script of the page can read the handle');

      // A reload: the element asks the BFF for the cookie's session, with a proof of its key.
      await tab.reload();
      await tab.waitForFunction(
        "window.__bankConnectEvents.some((event) => event.detail.step === 'session_active')",
      );
      // The cookie copied out of the browser opens nothing without that key.
      const stolen = await fetch(`${bff.url}/v1/accounts`, {
        headers: {
          Cookie: `${cookie.name}=${handle}`,
          Origin: page.origin,
          'X-Bank-Connect': '1',
        },
      });
      assert.equal(stolen.status, 401);
      assert.equal(((await stolen.json()) as { error: string }).error, 'dpop_proof_required');
      await recorder.snapshot(tab);
      const tokens = (
        (await (await sandbox.admin('GET', '/tokens')).json()) as { tokens: { value: string }[] }
      ).tokens.map((token) => token.value);
      assert.ok(tokens.length > 0);
      // The recorder also holds the cookie jar and the Set-Cookie header: the handle is there by
      // design, so only the bank's tokens are looked for; the page's view was checked above.
      assert.deepEqual(recorder.findTokens(tokens), []);
      await context.close();
    } finally {
      await bff.stop();
      await page.close();
      await sandbox.stop();
    }
  });

  it('7. no bank token ever reached the browser', async () => {
    const tokens = await demo.issuedTokens();
    assert.ok(tokens.length >= 6, `the sandbox issued ${tokens.length} tokens during the journeys`);
    for (const recorder of recorders) assert.deepEqual(recorder.findTokens(tokens), []);
    const corpus = recorders.reduce((total, recorder) => total + recorder.texts.length, 0);
    assert.ok(corpus > 50, 'responses, storage, DOM and events were recorded');
  });

  it('8. the demo is served with a strict CSP and the journeys logged no error or violation', async () => {
    const response = await fetch(demo.url);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /style-src 'self'/);
    assert.match(csp, /require-trusted-types-for 'script'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const problems = recorders
      .flatMap((recorder) => recorder.problems)
      // Chromium logs every failed response as an error; the journeys cause two kinds on purpose:
      // the BFF's 401 reauth_required (journey 5) and its 502 bank_unavailable (journey 6).
      .filter(
        (problem) =>
          !/Failed to load resource: the server responded with a status of (401|502)/.test(problem),
      );
    assert.deepEqual(problems, []);
  });
});
