/**
 * Child processes for the benchmarks: the sandbox banks and the BFF run in their own Node
 * processes, so that the load generator never competes with them for an event loop. A child
 * announces readiness with one JSON line on stdout; the parent polls for it with a deadline.
 */
export { findFreePort } from '../../support/ports.js';
import { spawn, type ChildProcess } from 'node:child_process';

export interface Child<Info> {
  /** What the child printed when it became ready. */
  info: Info;
  process: ChildProcess;
  /** SIGTERM, then SIGKILL if the child has not exited within the deadline. */
  stop(): Promise<void>;
}

export interface StartChildOptions {
  env?: Record<string, string>;
  /** Writes a V8 CPU profile of the child into this folder when it exits. */
  cpuProfileDir?: string;
  readyTimeoutMs?: number;
}

const STOP_TIMEOUT_MS = 10_000;

/** Runs a TypeScript file with tsx in a new Node process and waits for its `{ "ready": … }` line. */
export async function startChild<Info>(
  script: string,
  options: StartChildOptions = {},
): Promise<Child<Info>> {
  const args = [
    '--import',
    'tsx',
    ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
    script,
  ];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let buffered = '';
  const stop = () => stopChild(child);
  const info = await new Promise<Info>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${script} was not ready within ${options.readyTimeoutMs ?? 60_000} ms`));
    }, options.readyTimeoutMs ?? 60_000);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        if (!line.startsWith('{"ready"')) continue;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { ready: Info }).ready);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(`${script} exited with ${code ?? 'a signal'} before it was ready: ${output}`),
      );
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { info, process: child, stop };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A child's environment variable, which its parent must set. */
export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

/** Prints the ready line a child's parent waits for. */
export function announceReady(info: unknown): void {
  process.stdout.write(`${JSON.stringify({ ready: info })}\n`);
}

/** Runs `stop` once on SIGTERM or SIGINT, then exits (which also writes a CPU profile). */
export function stopOnSignal(stop: () => Promise<void>): void {
  const handle = () => {
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', handle);
  process.once('SIGINT', handle);
}
