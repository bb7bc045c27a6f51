/**
 * `npm run bench`: runs every benchmark in turn, prints a table, and writes the figures to
 * test/bench/latest.json. Benchmarks measure and report; a figure over its budget never stops the
 * run (check-budgets.ts judges them afterwards). A benchmark that fails is recorded with its error
 * and the others still run.
 *
 *   npx tsx test/bench/run.ts                    every benchmark
 *   npx tsx test/bench/run.ts --only=flow,size   some of them (size, speed, dpop, verify, overhead, cpu, storm, sessions, flow)
 *   npx tsx test/bench/run.ts --profile          also a CPU profile of the BFF under load
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureBffCpu } from './bff-cpu.js';
import { measureBffOverhead } from './bff-overhead.js';
import { measureDpopProofs } from './dpop-browser.js';
import { measureDpopVerify } from './dpop-verify.js';
import { measureFlow } from './flow.js';
import { measureRefreshStorm } from './refresh-storm.js';
import { measureSessions } from './sessions.js';
import { summariseCpuProfile, type HotFunction } from './support/cpu-profile.js';
import { formatFigure, type Figure } from './support/stats.js';
import { measureWidgetSize } from './widget-size.js';
import { measureWidgetSpeed } from './widget-speed.js';
import { findBrowser } from '../support/find-browser.js';

export const LATEST = fileURLToPath(new URL('./latest.json', import.meta.url));

const BENCHES = {
  size: () => measureWidgetSize(),
  speed: () => measureWidgetSpeed(),
  dpop: () => measureDpopProofs(),
  verify: () => measureDpopVerify(),
  overhead: () => measureBffOverhead(),
  cpu: () => measureBffCpu(),
  storm: () => measureRefreshStorm({ runs: 1 }),
  sessions: () => measureSessions(),
  flow: () => measureFlow(),
} as const;

type BenchName = keyof typeof BENCHES;

/**
 * Load the BFF for a short while with it and the sandbox bank under `--cpu-prof`, and list each
 * process's hottest functions (the bank's profile also covers the direct-call runs).
 */
async function profileBff() {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-profile-'));
  try {
    await measureBffOverhead({ durationMs: 5_000, runs: 1, cpuProfileDir: dir });
    const hot: Record<string, HotFunction[][]> = {};
    for (const name of ['bff', 'bank']) {
      const files = (await readdir(path.join(dir, name))).filter((file) =>
        file.endsWith('.cpuprofile'),
      );
      hot[name] = await Promise.all(
        files.map((file) => summariseCpuProfile(path.join(dir, name, file))),
      );
    }
    return {
      note: 'self time as a share of busy (non-idle) samples, 10 connections of GET /v1/accounts',
      hot,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function describeMachine() {
  const chromium = (() => {
    try {
      return execFileSync(findBrowser(), ['--version'], {
        encoding: 'utf8',
        // Debian's wrapper script prints shell noise on stderr; only the version line matters.
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return 'unknown';
    }
  })();
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    chromium,
  };
}

type Row = [string, string, string];

function isFigure(value: unknown): value is Figure {
  return typeof value === 'object' && value !== null && 'median' in value && 'runs' in value;
}

/** Flattens a result into `name: median (min–max)` rows. */
function rowsOf(bench: string, value: unknown, prefix = ''): Row[] {
  if (isFigure(value)) return [[bench, prefix, formatFigure(value)]];
  if (Array.isArray(value))
    return value.flatMap((item, index) => {
      const label =
        typeof item === 'object' && item && 'store' in item
          ? String((item as { store: string }).store)
          : typeof item === 'object' && item && 'sessions' in item
            ? String((item as { sessions: number }).sessions)
            : String(index);
      return rowsOf(bench, item, prefix ? `${prefix}.${label}` : label);
    });
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([key, item]) =>
      key === 'runs' || key === 'method'
        ? []
        : rowsOf(bench, item, prefix ? `${prefix}.${key}` : key),
    );
  return [[bench, prefix, String(value)]];
}

async function main(): Promise<void> {
  const only = process.argv
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const names = (Object.keys(BENCHES) as BenchName[]).filter(
    (name) => !only || only.includes(name),
  );
  const started = Date.now();
  const results: Record<string, unknown> = {};
  for (const name of names) {
    const benchStarted = Date.now();
    process.stderr.write(`bench ${name}…\n`);
    try {
      results[name] = await BENCHES[name]();
    } catch (error) {
      results[name] = { error: error instanceof Error ? error.message : String(error) };
    }
    process.stderr.write(`bench ${name}: ${((Date.now() - benchStarted) / 1000).toFixed(1)} s\n`);
  }
  if (process.argv.includes('--profile')) {
    try {
      results.bffProfile = await profileBff();
    } catch (error) {
      results.bffProfile = { error: error instanceof Error ? error.message : String(error) };
    }
  }
  const report = {
    startedAt: new Date(started).toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine: describeMachine(),
    results,
  };
  await writeFile(LATEST, `${JSON.stringify(report, null, 2)}\n`);
  const rows = Object.entries(results).flatMap(([bench, value]) => rowsOf(bench, value));
  const widths = [0, 1, 2].map((column) =>
    Math.max(...rows.map((row) => (row[column] ?? '').length)),
  );
  for (const row of rows)
    process.stdout.write(
      `${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}\n`,
    );
  process.stdout.write(
    `\nmedian (min–max) of each figure; ${report.durationSeconds} s in all on ${report.machine.nproc} × ${report.machine.cpu}, Node ${report.machine.node}, ${report.machine.chromium}\nwritten to ${path.relative(process.cwd(), LATEST)}\n`,
  );
}

await main();
