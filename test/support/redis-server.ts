/**
 * Starts a throwaway `redis-server` for a test file: a free port on 127.0.0.1, no persistence, a
 * temporary working folder. Waits for it to answer PING (no fixed sleep), and can stop it and start
 * it again on the same port, to play an outage. A missing `redis-server` fails the test with the
 * command that installs it: these tests must run, never be skipped.
 */
import { findFreePort } from './ports.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestRedis {
  port: number;
  url: string;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts the server again on the same port, with an empty data set. */
  start(): Promise<void>;
  /** Stops the server for good and removes its folder. */
  dispose(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

/** Finds the binary, or explains how to install it. */
export function findRedisServer(): string {
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) {
    throw new Error(
      'redis-server is not installed: install it (apt-get install redis-server) to run the Redis tests',
    );
  }
  return 'redis-server';
}

/** One PING over a raw socket: true on `+PONG`. */
function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) finish(answer.startsWith('+PONG'));
    });
  });
}

/** Polls PING until the server answers, the process exits, or the deadline passes. */
async function waitForPong(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let pause = 10;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`redis-server exited with ${child.exitCode}: ${output()}`);
    }
    if (await pingOnce(port)) return;
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, 100);
  }
  throw new Error(`redis-server did not answer PING within ${READY_TIMEOUT_MS} ms: ${output()}`);
}

export async function startTestRedis(): Promise<TestRedis> {
  const binary = findRedisServer();
  const dir = await mkdtemp(path.join(tmpdir(), 'bff-redis-'));
  let port = await findFreePort('127.0.0.1');
  let child: ChildProcess | undefined;

  const start = async () => {
    let output = '';
    const started = spawn(
      binary,
      [
        ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        ...['--dir', dir, '--loglevel', 'warning'],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child = started;
    try {
      await waitForPong(port, started, () => output);
    } catch (error) {
      started.kill('SIGKILL');
      throw error;
    }
  };

  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
    });
  };

  // Another process may take the free port before redis-server binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      break;
    } catch (error) {
      if (attempt === 3) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
      port = await findFreePort('127.0.0.1');
    }
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    dispose: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
