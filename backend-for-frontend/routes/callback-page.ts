/**
 * The tiny page `GET /v1/callback` answers in popup mode: it posts the bank's answer to the
 * opener with `targetOrigin` exactly the flow's origin (never `*`, OWASP HTML5 cheat sheet), then
 * closes; when the opener is gone (a bank page with COOP severed it, or the customer switched
 * devices), it continues like redirect mode. Its data travels in a JSON data block and its one
 * script is allowed by hash, so the CSP needs no `unsafe-inline`.
 */
import { createHash } from 'node:crypto';
import type { CallbackMessage } from '../contract/index.js';

const SCRIPT = `(function () {
  var data = JSON.parse(document.getElementById('bank-connect-result').textContent);
  if (window.opener && !window.opener.closed) {
    window.opener.postMessage(data.message, data.targetOrigin);
    window.close();
  } else {
    window.location.replace(data.fallback);
  }
})();`;

const SCRIPT_HASH = `'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'`;

/** JSON that is safe inside a `<script type="application/json">` (no `</script>` breakout). */
function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
}

const REFUSALS: Record<string, string> = {
  'missing-state': 'Cette réponse de la banque est incomplète. / This bank response is incomplete.',
  'unknown-flow':
    'Ce lien de connexion est inconnu ou a expiré. Revenez sur le site pour recommencer. / This sign-in link is unknown or has expired. Go back to the site to start again.',
  'used-flow':
    'Ce lien de connexion a déjà servi. Revenez sur le site. / This sign-in link was already used. Go back to the site.',
};

function renderPage(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>${title}</title>${head}</head>
<body>${body}</body></html>`;
}

export function renderCallbackPage(input: {
  message: CallbackMessage;
  targetOrigin: string;
  fallback: string;
}): { html: string; contentSecurityPolicy: string } {
  const data = embedJson({
    message: input.message,
    targetOrigin: input.targetOrigin,
    fallback: input.fallback,
  });
  return {
    html: renderPage(
      'bank-connect',
      `<p>Retour sur le site en cours… / Returning to the site…</p>
<script type="application/json" id="bank-connect-result">${data}</script>
<script>${SCRIPT}</script>`,
    ),
    contentSecurityPolicy: `default-src 'none'; script-src ${SCRIPT_HASH}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  };
}

/** A page for callbacks that cannot be handed to any page: unknown, replayed or malformed. */
renderCallbackPage.refusal = (reason: string): string =>
  renderPage('bank-connect', `<p role="alert">${REFUSALS[reason] ?? REFUSALS['unknown-flow']}</p>`);
