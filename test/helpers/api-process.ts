import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/db/embedded.js';

/** A real API process (the built bundle), as production runs it: its own pool, its own in-process workers. */
export interface ApiProcess {
  name: string;
  base: string;
  child: ChildProcess;
  /** Set when the process ended; `expected` when the test killed it. */
  exit: { code: number | null; signal: NodeJS.Signals | null; expected: boolean; at: number } | undefined;
  /** The last lines it printed (stdout and stderr), for failure messages. */
  tail(lines?: number): string;
  /** All lines it printed that match, e.g. /Unhandled|uncaught/ */
  grep(re: RegExp): string[];
  kill(signal: NodeJS.Signals): Promise<void>;
}

const MAX_LINES = 4000;

export async function startApiProcess(opts: {
  root: string;
  name: string;
  env: Record<string, string>;
  readyTimeoutMs?: number;
  /** The bundle to run: `api` (npm start, the default) or `cluster` (npm run start:cluster). */
  entry?: 'api' | 'cluster';
}): Promise<ApiProcess> {
  const port = await freePort();
  const bundle = path.join(opts.root, `dist/main/${opts.entry ?? 'api'}.js`);
  const child = spawn(process.execPath, ['--enable-source-maps', bundle], {
    cwd: opts.root,
    env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > MAX_LINES) lines.splice(0, lines.length - MAX_LINES);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let expectedExit = false;
  const api: ApiProcess = {
    name: opts.name,
    base: `http://127.0.0.1:${port}`,
    child,
    exit: undefined,
    tail: (n = 40) => lines.slice(-n).join('\n'),
    grep: (re) => lines.filter((l) => re.test(l)),
    async kill(signal) {
      if (api.exit) return;
      expectedExit = true;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await Promise.race([gone, sleep(10_000)]);
    },
  };
  child.once('exit', (code, signal) => {
    api.exit = { code, signal, expected: expectedExit, at: Date.now() };
  });

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (api.exit) throw new Error(`${opts.name} exited while starting:\n${api.tail()}`);
    const ok = await fetch(`${api.base}/api/v1/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return api;
    await sleep(100);
  }
  await api.kill('SIGKILL');
  throw new Error(`${opts.name} did not get ready:\n${api.tail()}`);
}

/** Polls /health/ready until it answers 200; returns how long that took, or undefined past the deadline. */
export async function waitReady(api: ApiProcess, timeoutMs: number): Promise<number | undefined> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (api.exit) return undefined;
    const ok = await fetch(`${api.base}/api/v1/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return Date.now() - t0;
    await sleep(200);
  }
  return undefined;
}
