/** Finds a Chrome or Chromium executable; throws, saying how to install one, when none is found. */
export declare function findBrowser(): string;

/** Flags for headless Chromium in tests, benchmarks and screenshots. */
export declare const CHROMIUM_ARGS: readonly string[];
