/**
 * The whole consent journey in headless Chromium: a minimal page with the drop-in (popup mode),
 * a real BFF and the sandbox banks (child processes), the bank's pages filled in by Playwright as
 * the customer would. Wall time from the click on "continue to the bank" to
 * `bank-connect-success`, split into:
 *
 * - BFF: the browser-observed durations (request start to response end) of every request to the
 *   BFF: `POST /v1/flows` (and its CORS preflight), the popup's `GET /v1/callback`, and
 *   `POST /v1/flows/{id}/complete`, which includes the BFF's token exchange and first account
 *   read at the bank (the BFF does not expose its bank time to the browser);
 * - bank pages: the durations of the bank's page loads and form posts in the popup;
 * - page: the widget's own work between them: click → flow request, callback → complete
 *   request, complete response → success event;
 * - customer (automation): the rest, Playwright typing and clicking on the bank pages.
 */
import type { Request } from 'playwright-core';
import { buildDropIn, launchChromium } from './support/browser.js';
import { startBenchServer } from './support/bench-pages.js';
import { findFreePort } from './support/processes.js';
import { startStack } from './support/stack.js';
import { summarise, type Figure } from './support/stats.js';

export interface FlowResult {
  bank: string;
  runs: number;
  totalMs: Figure;
  bffMs: Figure;
  bankPagesMs: Figure;
  pageMs: Figure;
  customerMs: Figure;
  method: string;
}

const BANK = 'mistral';

const PAGE = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>flow bench</title>
<script type="module" src="/flow-bench.js"></script></head>
<body><bank-connect lang="fr" mode="popup"></bank-connect></body></html>`;

const SCRIPT = `
const host = document.querySelector('bank-connect');
host.setAttribute('bff', new URL(location.href).searchParams.get('bff'));
host.setAttribute('return-to', location.origin + '/flow.html');
host.addEventListener('bank-connect-success', () => {
  document.body.dataset.successAt = String(performance.timeOrigin + performance.now());
});
await import('/bank-connect.js');
document.body.dataset.ready = 'true';
`;

interface Timed {
  url: string;
  method: string;
  start: number;
  end: number;
}

/** A request's span; `end` is when its body ended, or when its response arrived if never. */
function timed(request: Request, finished: boolean): Timed {
  const timing = request.timing();
  return {
    url: request.url(),
    method: request.method(),
    start: timing.startTime,
    end: finished && timing.responseEnd >= 0 ? timing.startTime + timing.responseEnd : Date.now(),
  };
}

export async function measureFlow(options: { runs?: number } = {}): Promise<FlowResult> {
  const runs = options.runs ?? 3;
  const pagePort = await findFreePort();
  const pageOrigin = `http://localhost:${pagePort}`;
  const stack = await startStack({ allowedOrigins: [pageOrigin] });
  const server = await startBenchServer({
    dropIn: await buildDropIn(),
    banks: 0,
    port: pagePort,
    files: { '/flow.html': PAGE, '/flow-bench.js': SCRIPT },
  });
  const browser = await launchChromium();
  try {
    const bffOrigin = new URL(stack.bffs[0]?.info.url ?? '').origin;
    const bankOrigin = stack.sandbox.info.browserOrigin;
    const samples = { total: [] as number[], bff: [] as number[], bank: [] as number[] };
    const page: number[] = [];
    const customer: number[] = [];
    for (let run = 0; run < runs; run++) {
      const context = await browser.newContext();
      try {
        // The popup closes as soon as the callback page has posted to the opener, so its last
        // request may never report "finished": its response's arrival is kept as the end.
        const spans = new Map<Request, Timed>();
        context.on('response', (response) =>
          spans.set(response.request(), timed(response.request(), false)),
        );
        context.on('requestfinished', (request) => spans.set(request, timed(request, true)));
        const tab = await context.newPage();
        await tab.goto(`${pageOrigin}/flow.html?bff=${encodeURIComponent(bffOrigin)}`);
        await tab.locator(`bank-connect [data-aspsp=${BANK}]`).click({ timeout: 15_000 });
        const continueButton = tab.locator('bank-connect [part~=primary-button]');
        await continueButton.waitFor({ timeout: 15_000 });
        const popupOpened = context.waitForEvent('page', { timeout: 15_000 });
        const clickedAt = Date.now();
        await continueButton.click();
        const popup = await popupOpened;
        await popup.locator('input[name=username]').first().fill('marie.dupont');
        await popup.locator('input[name=password]').fill('azerty');
        await popup.locator('button[type=submit].primary').click();
        const code = /(\d{6})/.exec((await popup.locator('.demo-code').textContent()) ?? '')?.[1];
        if (!code) throw new Error('no one-time code on the security page');
        await popup.locator('input[name=otp]').fill(code);
        await popup.locator('button[type=submit].primary').click();
        await popup.locator('button[value=accept]').click();
        await tab.waitForSelector('body[data-success-at]', { state: 'attached', timeout: 30_000 });
        const successAt = Number(await tab.locator('body').getAttribute('data-success-at'));
        const after = [...spans.values()].filter((request) => request.start >= clickedAt - 1);
        const toBff = after.filter((request) => request.url.startsWith(bffOrigin));
        const toBank = after.filter((request) => request.url.startsWith(bankOrigin));
        const sum = (list: Timed[]) =>
          list.reduce((total, item) => total + item.end - item.start, 0);
        const flows = toBff.find((r) => r.method === 'POST' && r.url.endsWith('/v1/flows'));
        const callback = toBff.find((r) => r.url.includes('/v1/callback'));
        const complete = toBff.find((r) => r.url.endsWith('/complete'));
        if (!flows || !callback || !complete)
          throw new Error(`the journey missed a BFF call: ${JSON.stringify(toBff)}`);
        const total = successAt - clickedAt;
        const pageWork =
          flows.start - clickedAt + (complete.start - callback.end) + (successAt - complete.end);
        samples.total.push(total);
        samples.bff.push(sum(toBff));
        samples.bank.push(sum(toBank));
        page.push(pageWork);
        customer.push(total - sum(toBff) - sum(toBank) - pageWork);
      } finally {
        await context.close();
      }
    }
    return {
      bank: BANK,
      runs,
      totalMs: summarise(samples.total, 1),
      bffMs: summarise(samples.bff, 1),
      bankPagesMs: summarise(samples.bank, 1),
      pageMs: summarise(page, 1),
      customerMs: summarise(customer, 1),
      method:
        'BFF = browser-observed durations of every BFF request after the click (flows + preflight, ' +
        'callback, complete incl. its token exchange at the bank); bank pages = durations of the ' +
        "bank's page loads and posts; page = click→flows + callback→complete + complete→success; " +
        'customer = the remainder (Playwright typing and clicking).',
    };
  } finally {
    await browser.close();
    await server.close();
    await stack.stop();
  }
}
