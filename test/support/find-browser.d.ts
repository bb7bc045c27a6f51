/** Finds a Chrome or Chromium executable; throws, saying how to install one, when none is found. */
export declare function findBrowser(): string;
