import { readReturnedFlow } from './returned-flow.js';

/**
 * Top-level navigation, behind an object so that tests can observe it instead of leaving the page.
 */
export const navigation = {
  /** Leaves the page for the bank (redirect mode). */
  assign(url: string): void {
    window.location.assign(url);
  },
};

/** Removes the result from the address bar and history, so neither a reload nor a share leaks it. */
export function clearReturnedFlow(): void {
  if (!readReturnedFlow(window.location.hash)) return;
  const url = new URL(window.location.href);
  url.hash = '';
  window.history.replaceState(window.history.state, '', url.href);
}

/** The default `returnTo`: this page, without its fragment. */
export function currentPageUrl(): string {
  const url = new URL(window.location.href);
  url.hash = '';
  return url.href;
}

const IN_APP_BROWSER = /FBAN|FBAV|Instagram|Line\/|; wv\)/;

/**
 * `auto` mode: popups on desktop; a redirect in in-app browsers and on small screens, where popups
 * open as tabs that lose their opener or are blocked outright.
 */
export function preferRedirect(): boolean {
  if (IN_APP_BROWSER.test(navigator.userAgent)) return true;
  return typeof matchMedia === 'function' && matchMedia('(max-width: 600px)').matches;
}
