/**
 * The sandbox banks' consent pages: login, security check, data sharing, and the error and
 * maintenance pages. Plain HTML forms that work without JavaScript and with a keyboard, in each
 * bank's colours, French by default with an English switch.
 */
import type { BankDefinition } from '../banks.js';
import type { SandboxAccount } from '../data/types.js';
import type { Lang, Scope } from '../state.js';
import { html, trusted, type SafeHtml } from './html.js';
import { translate, type MessageKey } from './messages.js';

interface LayoutInput {
  bank: BankDefinition | undefined;
  lang: Lang;
  title: string;
  /** Where the language switch points, or nothing when the page cannot be re-rendered. */
  switchLanguageHref?: string;
  step?: number;
  body: SafeHtml;
}

function renderLayout(input: LayoutInput): string {
  const { bank, lang } = input;
  const t = (key: MessageKey, values?: Record<string, string | number>) =>
    translate(lang, key, values);
  const page = html`<!doctype html>
    <html lang="${lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${input.title}${bank ? ` · ${bank.name}` : ''}</title>
        ${bank ? html`<link rel="icon" href="/${bank.id}/logo.svg" type="image/svg+xml" />` : ''}
        <link rel="stylesheet" href="/assets/consent.css" />
        ${bank ? html`<link rel="stylesheet" href="/${bank.id}/theme.css" />` : ''}
      </head>
      <body>
        <header class="bank-header">
          ${
            bank
              ? html`<span class="logo" aria-hidden="true">${trusted(bank.logoSvg)}</span>
                  <span class="bank-name">${bank.name}</span>`
              : html`<span class="bank-name">Sandbox</span>`
          }
          ${
            input.switchLanguageHref
              ? html`<a
                  class="lang"
                  href="${input.switchLanguageHref}"
                  lang="${lang === 'fr' ? 'en' : 'fr'}"
                  aria-label="${t('switchLanguageLabel')}"
                  >${t('switchLanguage')}</a
                >`
              : ''
          }
        </header>
        <main>
          <div class="card">
            ${input.step ? html`<p class="step">${t('step', { n: input.step })}</p>` : ''}
            <h1>${input.title}</h1>
            ${input.body}
          </div>
        </main>
        <footer><p>${t('demoBanner')}</p></footer>
      </body>
    </html>`;
  return page.value;
}

/** What every step of the journey needs to render. */
export interface StepContext {
  bank: BankDefinition;
  lang: Lang;
  requestId: string;
  clientName: string;
  clientId: string;
  switchLanguageHref: string;
  error?: string;
}

function renderCancelForm(context: StepContext): SafeHtml {
  return html`<form method="post" action="/${context.bank.id}/authorize/cancel" class="cancel">
    <input type="hidden" name="req" value="${context.requestId}" />
    <button type="submit" class="link">${translate(context.lang, 'cancel')}</button>
  </form>`;
}

function renderError(message: string | undefined): SafeHtml {
  return message ? html`<p class="error" role="alert" id="form-error">${message}</p>` : html``;
}

export function renderLoginPage(context: StepContext): string {
  const t = (key: MessageKey, values?: Record<string, string | number>) =>
    translate(context.lang, key, values);

  return renderLayout({
    bank: context.bank,
    lang: context.lang,
    title: t('loginTitle'),
    step: 1,
    switchLanguageHref: context.switchLanguageHref,
    body: html`<p>${t('loginIntro', { client: context.clientName })}</p>
      ${renderError(context.error)}
      <form method="post" action="/${context.bank.id}/authorize/login">
        <input type="hidden" name="req" value="${context.requestId}" />
        <label for="username">${t('username')}</label>
        ${
          context.error
            ? html`<input
                id="username"
                name="username"
                autocomplete="username"
                required
                autofocus
                aria-describedby="form-error"
                aria-invalid="true"
              />`
            : html`<input
                id="username"
                name="username"
                autocomplete="username"
                required
                autofocus
              />`
        }
        <label for="password">${t('password')}</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
        />
        <button type="submit" class="primary">${t('loginSubmit')}</button>
      </form>
      ${renderCancelForm(context)}
      <aside class="test-users" aria-labelledby="test-users-title">
        <h2 id="test-users-title">${t('testUsersTitle')}</h2>
        <p>${t('testUsersIntro')}</p>
        <ul>
          <li><code>marie.dupont</code> : ${t('testUserSeveral')}</li>
          <li><code>luc.martin</code> : ${t('testUserOne')}</li>
          <li><code>claire.petit</code> : ${t('testUserScaFails')}</li>
        </ul>
      </aside>`,
  });
}

export function renderScaPage(
  context: StepContext & { phoneSuffix: string; code: string },
): string {
  const t = (key: MessageKey, values?: Record<string, string | number>) =>
    translate(context.lang, key, values);
  return renderLayout({
    bank: context.bank,
    lang: context.lang,
    title: t('scaTitle'),
    step: 2,
    switchLanguageHref: context.switchLanguageHref,
    body: html`<p>${t('scaIntro', { phone: context.phoneSuffix })}</p>
      <p class="demo-code">${t('scaDemoCode', { code: context.code })}</p>
      ${renderError(context.error)}
      <form method="post" action="/${context.bank.id}/authorize/sca">
        <input type="hidden" name="req" value="${context.requestId}" />
        <label for="otp">${t('scaCode')}</label>
        <input
          id="otp"
          name="otp"
          inputmode="numeric"
          autocomplete="one-time-code"
          pattern="[0-9]{6}"
          maxlength="6"
          required
          autofocus
        />
        <button type="submit" class="primary">${t('scaSubmit')}</button>
      </form>
      ${renderCancelForm(context)}`,
  });
}

function describeAccount(account: SandboxAccount): string {
  const identifier = account.iban
    ? `${account.iban.slice(0, 4)} •••• ${account.iban.slice(-4)}`
    : `•••• ${account.maskedPan?.slice(-4) ?? ''}`;
  return `${account.name} (${identifier})`;
}

export function renderConsentPage(
  context: StepContext & {
    scopes: Scope[];
    accounts: SandboxAccount[];
    consentDays: number;
  },
): string {
  const t = (key: MessageKey, values?: Record<string, string | number>) =>
    translate(context.lang, key, values);
  const data: MessageKey[] = [];
  if (context.scopes.includes('aisp')) {
    data.push('dataAccounts', 'dataTransactions', 'dataIdentity', 'dataBeneficiaries');
  }
  if (context.scopes.includes('extended_transaction_history'))
    data.push('dataTransactionsExtended');
  if (context.scopes.includes('cbpii')) data.push('dataFunds');
  return renderLayout({
    bank: context.bank,
    lang: context.lang,
    title: t('consentTitle'),
    step: 3,
    switchLanguageHref: context.switchLanguageHref,
    body: html`<p>
        ${t('consentIntro', { client: context.clientName, clientId: context.clientId })}
      </p>
      <ul class="data">
        ${data.map((key) => html`<li>${t(key)}</li>`)}
      </ul>
      <p>${t('consentDuration', { days: context.consentDays })}</p>
      ${renderError(context.error)}
      <form method="post" action="/${context.bank.id}/authorize/consent">
        <input type="hidden" name="req" value="${context.requestId}" />
        <fieldset>
          <legend>${t('accountsLegend')}</legend>
          ${context.accounts.map(
            (account) =>
              html`<label class="account">
                <input type="checkbox" name="account" value="${account.resourceId}" checked />
                <span>${describeAccount(account)}</span>
              </label>`,
          )}
        </fieldset>
        <div class="actions">
          <button type="submit" name="decision" value="accept" class="primary">
            ${t('accept')}
          </button>
          <button type="submit" name="decision" value="refuse" class="secondary">
            ${t('refuse')}
          </button>
        </div>
      </form>`,
  });
}

/** A page that explains why the bank will not send the customer back (RFC 6749 §4.1.2.1). */
export function renderErrorPage(input: {
  bank: BankDefinition | undefined;
  lang: Lang;
  message: string;
}): string {
  return renderLayout({
    bank: input.bank,
    lang: input.lang,
    title: translate(input.lang, 'errorTitle'),
    body: html`<p role="alert">${input.message}</p>`,
  });
}

export function renderMaintenancePage(bank: BankDefinition, lang: Lang): string {
  return renderLayout({
    bank,
    lang,
    title: translate(lang, 'maintenanceTitle'),
    body: html`<p role="alert">${translate(lang, 'maintenance')}</p>`,
  });
}

/** Each bank's colours as custom properties, served as a stylesheet (no inline style). */
export function renderThemeCss(bank: BankDefinition): string {
  const { primary, onPrimary, accent, surface, ink } = bank.colours;
  return `:root{--primary:${primary};--on-primary:${onPrimary};--accent:${accent};--surface:${surface};--ink:${ink}}\n`;
}

/** The shared stylesheet of the consent pages. */
export const CONSENT_CSS = `
*{box-sizing:border-box}
:root{--primary:#333;--on-primary:#fff;--accent:#888;--surface:#f5f5f5;--ink:#333;color-scheme:light}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1c1c1c;background:var(--surface);min-height:100vh;display:flex;flex-direction:column}
.bank-header{display:flex;align-items:center;gap:.75rem;padding:.75rem 1.25rem;background:var(--primary);color:var(--on-primary);border-bottom:4px solid var(--accent)}
.logo svg{width:40px;height:40px;display:block}
.bank-name{font-weight:700;font-size:1.15rem;flex:1}
.lang{color:inherit;font-size:.9rem}
main{flex:1;display:flex;justify-content:center;padding:2rem 1rem}
.card{background:#fff;width:100%;max-width:30rem;padding:1.75rem;border-radius:12px;box-shadow:0 2px 12px rgb(0 0 0/.08)}
.step{margin:0;color:#555;font-size:.85rem;text-transform:uppercase;letter-spacing:.04em}
h1{margin:.25rem 0 1rem;font-size:1.5rem}
h2{font-size:1rem;margin:0 0 .25rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input:not([type]),input[type=password]{width:100%;padding:.65rem .75rem;font:inherit;border:1px solid #8a8a8a;border-radius:8px}
input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
button{font:inherit;cursor:pointer;border-radius:8px;padding:.7rem 1.1rem;border:2px solid var(--primary)}
.primary{background:var(--primary);color:var(--on-primary);width:100%;margin-top:1.25rem;font-weight:700}
.secondary{background:#fff;color:var(--ink);width:100%;margin-top:.5rem;font-weight:600}
.link{background:none;border:none;color:#444;text-decoration:underline;padding:.5rem 0;margin-top:.5rem}
.error{background:#fdecea;color:#8a1c12;border-left:4px solid #c62828;padding:.5rem .75rem;border-radius:4px}
.demo-code{background:#fff8e1;border-left:4px solid #f9a825;padding:.5rem .75rem;border-radius:4px}
.test-users{margin-top:1.5rem;padding:.75rem 1rem;background:var(--surface);border-radius:8px;font-size:.9rem}
.test-users ul{margin:.25rem 0 0;padding-left:1.1rem}
.data{padding-left:1.2rem}
fieldset{border:1px solid #ccc;border-radius:8px;padding:.5rem 1rem 1rem}
legend{font-weight:700;padding:0 .25rem}
label.account{display:flex;gap:.6rem;align-items:flex-start;font-weight:400;margin:.6rem 0 0}
label.account input{margin-top:.3rem;width:1.1rem;height:1.1rem}
footer{text-align:center;font-size:.8rem;color:#555;padding:1rem}
@media (prefers-reduced-motion:no-preference){button{transition:filter .15s}button:hover{filter:brightness(1.1)}}
`;
