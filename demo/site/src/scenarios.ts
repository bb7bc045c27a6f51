/**
 * The presenter's remote control for the sandbox banks: `POST /presenter/scenario` on the demo
 * server, which alone may reach the sandbox's admin API.
 */

/** What a sandbox bank can be made to do. */
export type Scenario = 'down' | 'slow' | 'consent_expired' | 'normal';

/** Puts a sandbox bank in a scenario; throws with the server's message if it refuses. */
export async function applyScenario(aspsp: string, scenario: Scenario): Promise<void> {
  const response = await fetch('/presenter/scenario', {
    method: 'POST',
    cache: 'no-store',
    headers: { 'Content-Type': 'application/json', 'X-Fourmi-Presenter': '1' },
    body: JSON.stringify({ aspsp, scenario }),
  });
  if (response.ok) return;
  const body = (await response.json().catch(() => undefined)) as { message?: string } | undefined;
  throw new Error(body?.message ?? `the demo server answered ${response.status}`);
}
