/**
 * The demo's runtime configuration, served by the demo server at `/config.json` so that one
 * build runs on any ports or hosts. Never cached by the service worker.
 */

/** What `GET /config.json` answers. */
export interface DemoConfig {
  /** Base URL of the backend-for-frontend, e.g. `http://localhost:8080`. */
  bffUrl: string;
  /** Browser-facing URL of the sandbox banks (logos, consent pages). */
  sandboxUrl: string;
}

/** Fetches and checks `/config.json`; throws with a message naming the bad field. */
export async function loadConfig(): Promise<DemoConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  const body = (await response.json()) as Partial<DemoConfig>;
  for (const field of ['bffUrl', 'sandboxUrl'] as const) {
    const value = body[field];
    if (typeof value !== 'string' || !URL.canParse(value)) {
      throw new Error(`/config.json: ${field} is not a URL`);
    }
  }
  return body as DemoConfig;
}
