/**
 * The demo's clock: real time plus an offset the presenter moves forward, to show in a minute
 * what takes a consent weeks (its end nearing, a renewal). The BFF reads it; the sandbox banks'
 * clocks are moved by as much at the same time, so every party agrees on the date.
 */
export class DemoClock {
  #offsetMs = 0;

  now(): number {
    return Date.now() + this.#offsetMs;
  }

  /** How far ahead of real time the demo is. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the demo clock only moves forward');
    this.#offsetMs += ms;
  }

  reset(): void {
    this.#offsetMs = 0;
  }
}
