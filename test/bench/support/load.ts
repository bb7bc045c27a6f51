/**
 * A closed-loop HTTP load generator on undici, used for both targets of the BFF overhead bench so
 * that they are measured by the same code. autocannon can present a client certificate
 * (`tlsOptions`), but it records latencies in whole milliseconds, too coarse for a 2 ms budget;
 * this loop records each request with `performance.now()`.
 */
import { Pool } from 'undici';
import { percentile } from './stats.js';

export interface LoadTarget {
  origin: string;
  path: string;
  /**
   * The request's headers, or a function that makes them for each request (a fresh DPoP proof, a
   * fresh HTTP signature): its time counts in the request's latency, as a real client's would.
   */
  headers:
    Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /** TLS options for the connections (client certificate, CA). */
  tls?: { ca: string; cert: string; key: string };
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** Successful requests per second. */
  throughput: number;
  p50Ms: number;
  p99Ms: number;
}

/** Runs `connections` workers, each sending one request at a time, for `durationMs`. */
export async function runLoad(
  target: LoadTarget,
  options: { connections: number; durationMs: number },
): Promise<LoadResult> {
  const pool = new Pool(target.origin, {
    connections: options.connections,
    pipelining: 1,
    ...(target.tls ? { connect: { ...target.tls } } : {}),
  });
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const end = started + options.durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const sent = performance.now();
      try {
        const response = await pool.request({
          method: 'GET',
          path: target.path,
          headers: typeof target.headers === 'function' ? await target.headers() : target.headers,
        });
        await response.body.text();
        if (response.statusCode === 200) latencies.push(performance.now() - sent);
        else errors++;
      } catch {
        errors++;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, worker));
  } finally {
    await pool.close();
  }
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    throughput: latencies.length / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}
