/** How often the popup is checked for having been closed: modest, it is the widget's only timer. */
const POLL_MS = 400;

const FEATURES = 'popup,width=520,height=720';

/**
 * The bank window. It must be opened synchronously inside the click handler, before any `await`,
 * or popup blockers refuse it; it starts blank and is sent to the bank once the BFF answers.
 * Members ending in `_` are internal: the build shortens their names (see vite.config.ts).
 */
export class PopupWindow {
  /** The popup, for the `event.source` check of its callback. */
  readonly window: Window;
  #name: string;
  #timer: ReturnType<typeof setInterval> | undefined;

  private constructor(popup: Window, name: string) {
    this.window = popup;
    this.#name = name;
  }

  /** Opens a blank popup; `undefined` when the browser blocked it. */
  static open(name: string): PopupWindow | undefined {
    const popup = window.open('about:blank', name, FEATURES);
    return popup ? new PopupWindow(popup, name) : undefined;
  }

  /** Whether the customer (or the bank's COOP) has closed it. */
  get closed(): boolean {
    return this.window.closed;
  }

  /** Sends the popup to the bank's authorization endpoint. */
  navigate_(url: string): void {
    this.window.location.href = url;
  }

  /** Brings the popup back in front of the page. */
  focus(): void {
    this.window.focus();
  }

  /** Closes it, so no orphan bank window outlives the flow. */
  close(): void {
    this.stopWatching_();
    if (!this.window.closed) this.window.close();
  }

  /**
   * Calls `onClosed` once the popup has been seen closed twice in a row: the grace of one period
   * lets a callback posted just before the popup closed itself arrive first.
   */
  watchClosed_(onClosed: () => void): void {
    this.stopWatching_();
    let seen = 0;
    this.#timer = setInterval(() => {
      seen = this.window.closed ? seen + 1 : 0;
      if (seen >= 2) {
        this.stopWatching_();
        onClosed();
      }
    }, POLL_MS);
  }

  /** Stops the closed-popup check. */
  stopWatching_(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The window name, reused to reopen the same window. */
  get target_(): string {
    return this.#name;
  }
}
