/**
 * The presenter's remote control for the sandbox banks and the demo's clock: `POST /presenter/…`
 * on the demo server, which alone may reach the sandbox's admin API and the BFF's partner API.
 */

/** What a sandbox bank can be made to do. */
export type Scenario = 'down' | 'slow' | 'consent_expired' | 'normal';

/** Calls the presenter API; throws with the server's message if it refuses. */
async function callPresenter<T>(path: string, body?: object): Promise<T | undefined> {
  const response = await fetch(`/presenter/${path}`, {
    method: 'POST',
    cache: 'no-store',
    headers: { 'Content-Type': 'application/json', 'X-Fourmi-Presenter': '1' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const answer = (await response.json().catch(() => undefined)) as
    (T & { message?: string }) | undefined;
  if (response.ok) return answer;
  throw new Error(answer?.message ?? `the demo server answered ${response.status}`);
}

/** Puts a sandbox bank in a scenario. */
export async function applyScenario(aspsp: string, scenario: Scenario): Promise<void> {
  await callPresenter('scenario', { aspsp, scenario });
}

/**
 * Moves the demo's clock (the BFF's and every bank's) so that the bank's soonest-ending consent
 * has `daysLeft` days left; answers how many days it moved.
 */
export async function moveClockNearEnd(aspsp: string, daysLeft: number): Promise<number> {
  const answer = await callPresenter<{ advancedDays: number }>('clock', { aspsp, daysLeft });
  return answer?.advancedDays ?? 0;
}

/** Puts the demo's clock and the banks' back to real time, and the banks back to normal. */
export async function resetDemo(): Promise<void> {
  await callPresenter('reset');
}

/** Runs Fourmi's nightly sync now; answers how many sessions it synced. */
export async function runNightlySync(): Promise<number> {
  const answer = await callPresenter<{ synced: unknown[] }>('sync');
  return answer?.synced.length ?? 0;
}

/** What Fourmi's server last synced of a session, without the customer. */
export interface SyncSummary {
  syncedAt: string;
  source: 'bank' | 'cache';
  asOf: string;
  remaining: number;
  error?: string;
}

/** The session's last sync, or undefined before the first. */
export async function readLastSync(sessionId: string): Promise<SyncSummary | undefined> {
  const response = await fetch(`/api/sync/${encodeURIComponent(sessionId)}`, {
    cache: 'no-store',
  });
  return response.status === 200 ? ((await response.json()) as SyncSummary) : undefined;
}

/** A webhook Fourmi's server received from the BFF, as the presenter panel shows it. */
export interface ReceivedWebhook {
  seq: number;
  receivedAt: string;
  event: { id: string; type: string; createdAt: string; data: Record<string, string> };
}

/**
 * The webhooks Fourmi's server received after `after`: answered at once when there are some,
 * else as soon as one arrives, or empty after a while (a long poll).
 */
export async function waitForWebhooks(
  after: number,
  signal: AbortSignal,
): Promise<ReceivedWebhook[]> {
  const response = await fetch(`/presenter/webhooks?after=${after}`, {
    cache: 'no-store',
    headers: { 'X-Fourmi-Presenter': '1' },
    signal,
  });
  if (!response.ok) throw new Error(`the demo server answered ${response.status}`);
  return ((await response.json()) as { entries: ReceivedWebhook[] }).entries;
}
