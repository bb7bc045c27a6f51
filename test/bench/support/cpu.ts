/**
 * CPU time of one process, as the process itself counts it (`process.cpuUsage()`), read over a
 * tiny HTTP endpoint of its own, so that a bench can charge a process only for what it did. And a
 * fixed-rate (open-loop) sender: requests start on schedule whether or not earlier ones answered,
 * below saturation, so CPU per request is not mixed with queueing.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** Serves this process's `process.cpuUsage()` at `GET /` on localhost; answers its URL. */
export async function serveCpuUsage(): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(process.cpuUsage()));
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  server.unref();
  return `http://localhost:${(server.address() as AddressInfo).port}/`;
}

/** The user + system CPU microseconds a process served by `serveCpuUsage` has used so far. */
export async function readCpuMicros(url: string): Promise<number> {
  const usage = (await (await fetch(url)).json()) as NodeJS.CpuUsage;
  return usage.user + usage.system;
}

export interface RateResult {
  sent: number;
  ok: number;
}

/** Starts `send` `rate` times a second for `durationMs`, then waits for every answer. */
export async function sendAtRate(
  send: () => Promise<boolean>,
  options: { rate: number; durationMs: number },
): Promise<RateResult> {
  const count = Math.round((options.rate * options.durationMs) / 1000);
  const interval = 1000 / options.rate;
  const started = performance.now();
  const pending: Promise<boolean>[] = [];
  for (let index = 0; index < count; index++) {
    const due = started + index * interval - performance.now();
    if (due > 0) await sleep(due);
    pending.push(send().catch(() => false));
  }
  const answers = await Promise.all(pending);
  return { sent: count, ok: answers.filter(Boolean).length };
}
