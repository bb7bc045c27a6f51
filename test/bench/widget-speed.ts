/**
 * Widget speed in headless Chromium with a 400-bank directory: time from script evaluation to an
 * interactive bank list, and time per keystroke of search (filter + render). The reference, in
 * the same browser and run: the same page rendering a plain `<ul>` of the banks with vanilla DOM,
 * filtered with `Array.filter` per keystroke. Pages measure themselves with performance marks.
 *
 * Two clocks for the widget: from the page's first line (`bench:start`, before the drop-in is
 * requested, so its download counts) and from the end of the drop-in's download, when its
 * evaluation can start: the "from script evaluation", judged against the budget.
 *
 * "Interactive": the combobox is in the DOM and enabled, and the listbox has options. A
 * MutationObserver on the shadow root checks that after every DOM change (no frame polling, which
 * would add up to a frame). A keystroke is measured from `keydown` to the moment the page's own
 * `input` handler has run and, for the element, its `updateComplete` has resolved after it, that
 * is when the new list is in the DOM (the next animation frame would add idle time up to the
 * display's vsync, the same for both).
 */
import type { Browser } from 'playwright-core';
import { launchChromium, buildDropIn } from './support/browser.js';
import { startBenchServer } from './support/bench-pages.js';
import { round, summarise, type Figure } from './support/stats.js';

export interface WidgetSpeedResult {
  banks: number;
  runs: number;
  typed: string;
  chromium: string;
  widget: {
    interactiveMs: Figure;
    /** From the end of the drop-in's download to interactive. */
    fromEvaluationMs: Figure;
    keystrokeMs: Figure;
    /** Until the drop-in's download ended. */
    scriptLoadedMs: Figure;
    importedMs: Figure;
    directoryLoadedMs: Figure;
  };
  reference: { interactiveMs: Figure; keystrokeMs: Figure; directoryLoadedMs: Figure };
  /** Widget / reference, per run. */
  interactiveRatio: Figure;
  fromEvaluationRatio: Figure;
  keystrokeRatio: Figure;
}

const BANKS = 400;
const TYPED = 'caisse lyo';

const page = (script: string, body: string) => `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>bench</title>
<script type="module" src="${script}"></script></head><body>${body}</body></html>`;

/**
 * Records keystroke measures: from keydown until `settled()` resolves after the page's own input
 * handler ran. The input listener is the document's bubbling one, so it runs after the handler
 * (the event is composed, so it leaves the shadow root). A capturing one would run first, and the
 * microtask checkpoint after it would end the measure before any filtering or rendering.
 */
const KEYSTROKES = `
function measureKeystrokes(settled) {
  document.addEventListener('keydown', () => {
    const start = performance.now();
    document.addEventListener('input', () => {
      settled().then(() => performance.measure('keystroke', { start, end: performance.now() }));
    }, { once: true });
  }, { capture: true });
}`;

const WIDGET_SCRIPT = `${KEYSTROKES}
performance.mark('bench:start');
const host = document.querySelector('bank-connect');
host.setAttribute('bff', location.origin);
await import('/bank-connect.js');
performance.measure('imported', 'bench:start');
await customElements.whenDefined('bank-connect');
const root = host.shadowRoot;
const ready = () => {
  const input = root.querySelector('input[role=combobox]');
  return input !== null && !input.disabled && root.querySelectorAll('[role=option]').length > 0;
};
await new Promise((resolve) => {
  if (ready()) return resolve();
  const observer = new MutationObserver(() => {
    if (!ready()) return;
    observer.disconnect();
    resolve();
  });
  observer.observe(root, { childList: true, subtree: true, attributes: true });
});
performance.measure('interactive', 'bench:start');
measureKeystrokes(() => host.updateComplete);
console.debug('bench:ready');
`;

const REFERENCE_SCRIPT = `${KEYSTROKES}
performance.mark('bench:start');
const normalise = (text) => text.normalize('NFD').replace(/\\p{M}/gu, '').toLowerCase();
const { aspsps } = await (await fetch('/v1/aspsps')).json();
const keys = aspsps.map((bank) => normalise(bank.name));
const input = document.createElement('input');
input.setAttribute('role', 'combobox');
const list = document.createElement('ul');
list.setAttribute('role', 'listbox');
const item = (bank) => {
  const li = document.createElement('li');
  li.setAttribute('role', 'option');
  const img = document.createElement('img');
  img.src = bank.logoUrl; img.alt = ''; img.width = 24; img.height = 24; img.loading = 'lazy';
  const name = document.createElement('span');
  name.textContent = bank.name;
  li.append(img, name);
  return li;
};
list.append(...aspsps.map(item));
document.body.append(input, list);
performance.measure('interactive', 'bench:start');
let done = Promise.resolve();
input.addEventListener('input', () => {
  const start = performance.now();
  const query = normalise(input.value);
  const matches = aspsps.filter((_, index) => keys[index].includes(query)).slice(0, 50);
  list.replaceChildren(...matches.map(item));
  performance.measure('handler', { start, end: performance.now() });
});
measureKeystrokes(() => done);
console.debug('bench:ready');
`;

interface PageFigures {
  interactiveMs: number;
  keystrokeMs: number;
  /** Until the drop-in's module has evaluated (NaN for the reference). */
  importedMs: number;
  /** Until the directory's response ended, from the start mark. */
  directoryLoadedMs: number;
  /** Until the drop-in's response ended (NaN for the reference). */
  scriptLoadedMs: number;
  /** Interactive minus scriptLoadedMs (the reference's own script is inline: its interactive). */
  fromEvaluationMs: number;
}

async function measurePage(
  browser: Browser,
  url: string,
  inputSelector: string,
): Promise<PageFigures> {
  const context = await browser.newContext();
  try {
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (error) => errors.push(error.message));
    // The page says it is ready on the console: polling it with a selector would run
    // Playwright's injected script on the page's main thread inside the measured window.
    const ready = tab.waitForEvent('console', {
      predicate: (message) => message.text() === 'bench:ready',
      timeout: 15_000,
    });
    await tab.goto(url);
    await ready.catch((error: unknown) => {
      throw new Error(`${url} never became ready: ${errors.join('; ')}`, { cause: error });
    });
    await tab.locator(inputSelector).click();
    for (let index = 0; index < TYPED.length; index++) {
      await tab.keyboard.press(TYPED[index] ?? 'a');
      await tab.waitForFunction(
        (count) => performance.getEntriesByName('keystroke').length >= count,
        index + 1,
      );
    }
    // The reference times its own handler too: a keystroke's clock that stops before the
    // handler's end measures the browser's event dispatch, not the page's search.
    const early = await tab.evaluate(() => {
      const handlers = performance.getEntriesByName('handler');
      return performance.getEntriesByName('keystroke').filter((entry, index) => {
        const handler = handlers[index];
        return handler && entry.startTime + entry.duration < handler.startTime + handler.duration;
      }).length;
    });
    if (early > 0) throw new Error(`${url}: ${early} keystroke measures ended before the handler`);
    return await tab.evaluate(() => {
      const keystrokes = performance
        .getEntriesByName('keystroke')
        .map((entry) => entry.duration)
        .sort((a, b) => a - b);
      const start = performance.getEntriesByName('bench:start')[0]?.startTime ?? 0;
      // No named helper here: tsx would wrap it in `__name`, which the page does not have.
      const entries = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
      const directory = entries.find((entry) => entry.name.endsWith('/v1/aspsps'));
      // The drop-in's entry is two files: `/bank-connect.js` re-exports the versioned module.
      const scripts = entries.filter((entry) => entry.name.endsWith('/bank-connect.js'));
      const script = scripts.sort((a, b) => a.responseEnd - b.responseEnd).at(-1);
      const interactiveMs = performance.getEntriesByName('interactive')[0]?.duration ?? Number.NaN;
      const scriptLoadedMs = script ? script.responseEnd - start : Number.NaN;
      return {
        interactiveMs,
        scriptLoadedMs,
        fromEvaluationMs: script ? interactiveMs - scriptLoadedMs : interactiveMs,
        keystrokeMs: keystrokes[Math.floor(keystrokes.length / 2)] ?? Number.NaN,
        importedMs: performance.getEntriesByName('imported')[0]?.duration ?? Number.NaN,
        directoryLoadedMs: directory ? directory.responseEnd - start : Number.NaN,
      };
    });
  } finally {
    await context.close();
  }
}

export async function measureWidgetSpeed(
  options: { runs?: number } = {},
): Promise<WidgetSpeedResult> {
  const runs = options.runs ?? 25;
  const server = await startBenchServer({
    dropIn: await buildDropIn(),
    banks: BANKS,
    files: {
      '/widget.html': page('/widget-bench.js', '<bank-connect lang="fr"></bank-connect>'),
      '/reference.html': page('/reference-bench.js', ''),
      '/widget-bench.js': WIDGET_SCRIPT,
      '/reference-bench.js': REFERENCE_SCRIPT,
    },
  });
  const browser = await launchChromium();
  try {
    const widget: PageFigures[] = [];
    const reference: PageFigures[] = [];
    const widgetRun = () =>
      measurePage(browser, `${server.origin}/widget.html`, 'bank-connect input[role=combobox]');
    const referenceRun = () =>
      measurePage(browser, `${server.origin}/reference.html`, 'input[role=combobox]');
    // One unrecorded load of each warms the HTTP server and Chromium's code cache alike.
    await widgetRun();
    await referenceRun();
    for (let run = 0; run < runs; run++) {
      if (run % 2 === 0) {
        widget.push(await widgetRun());
        reference.push(await referenceRun());
      } else {
        reference.push(await referenceRun());
        widget.push(await widgetRun());
      }
    }
    const figure = (results: PageFigures[], field: keyof PageFigures) =>
      summarise(results.map((result) => result[field]));
    const ratio = (
      field: 'interactiveMs' | 'keystrokeMs' | 'fromEvaluationMs',
      referenceField: 'interactiveMs' | 'keystrokeMs' = field === 'keystrokeMs'
        ? field
        : 'interactiveMs',
    ) =>
      summarise(
        widget.map((result, index) =>
          round(result[field] / Math.max(reference[index]?.[referenceField] ?? 1, 0.001)),
        ),
      );
    return {
      banks: BANKS,
      runs,
      typed: TYPED,
      chromium: browser.version(),
      widget: {
        interactiveMs: figure(widget, 'interactiveMs'),
        fromEvaluationMs: figure(widget, 'fromEvaluationMs'),
        keystrokeMs: figure(widget, 'keystrokeMs'),
        scriptLoadedMs: figure(widget, 'scriptLoadedMs'),
        importedMs: figure(widget, 'importedMs'),
        directoryLoadedMs: figure(widget, 'directoryLoadedMs'),
      },
      reference: {
        interactiveMs: figure(reference, 'interactiveMs'),
        keystrokeMs: figure(reference, 'keystrokeMs'),
        directoryLoadedMs: figure(reference, 'directoryLoadedMs'),
      },
      interactiveRatio: ratio('interactiveMs'),
      fromEvaluationRatio: ratio('fromEvaluationMs'),
      keystrokeRatio: ratio('keystrokeMs'),
    };
  } finally {
    await browser.close();
    await server.close();
  }
}
