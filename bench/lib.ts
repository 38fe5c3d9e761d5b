/** Small helpers shared by the benchmark's scenarios: statistics, child processes, HTTP, /proc. */
import { spawn, type ChildProcess } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import path from 'node:path';
import autocannon from 'autocannon';
import { build } from 'esbuild';

export interface Row {
  key: string;
  scenario: string;
  connections: number;
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  outcome: string;
  /** CPU time (user + system) per answer during the run, µs: of the server's processes, of the load generator. */
  cpu?: { serverUs: number; loadGeneratorUs: number; databaseUs?: number };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
  };
}

export const ms = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–');

export function countInto(map: Map<string | number, number>, key: string | number, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

export function formatCounts(map: Map<string | number, number>): string {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${n}×${k}`)
    .join(', ');
}

/** Every child this run started, so a crash or Ctrl-C still ends them (by their own pid, nothing broader). */
const children = new Set<ChildProcess>();

export function killChildren(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

export interface Started {
  child: ChildProcess;
  port: number;
  pid: number;
  /** The processes serving the port (the child itself, or its cluster's workers). */
  pids: number[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a Node script that prints `PORT <n>` once it listens on 127.0.0.1. */
export async function startNodeProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<Started> {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => children.delete(child));
  let pids: number[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start in time`)), timeoutMs);
    let seen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /PORT (\d+)/.exec(seen);
      if (m) {
        pids = (/PIDS ([\d,]+)/.exec(seen)?.[1] ?? String(child.pid)).split(',').map(Number);
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code}`));
    });
  });
  return {
    child,
    port,
    pid: child.pid!,
    pids,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resident set size and its peak (VmHWM) of a process, in MiB; undefined where /proc is missing. */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * CPU time (user + system) every PostgreSQL process on this machine has used, in µs: the backends, the WAL
 * writer, the checkpointer. The bench's database runs here (127.0.0.1); a backend that exits between two
 * readings takes its time with it, so read it around work done on connections that stay open.
 */
export function postgresCpuUs(): number {
  let sum = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const us = cpuTimeUs(Number(entry), '(postgres)');
    if (!Number.isNaN(us)) sum += us;
  }
  return sum;
}

/** CPU time (user + system) a process has used, in µs; NaN where /proc is missing (or its name is not `comm`). */
export function cpuTimeUs(pid: number, comm?: string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (comm !== undefined && !stat.includes(comm)) return NaN;
    const fields = stat.split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // USER_HZ: 1/100 s
  } catch {
    return NaN;
  }
}

/**
 * autocannon 8 appends every answer's body to a string (`body += chunk`, a UTF-8 decode) though nothing here
 * reads it: for the seat map's 8.7 kB of gzip that was a third of the load generator's CPU, about 160 µs per
 * answer, on the same two cores as the API. Counting bytes only keeps big answers from measuring autocannon.
 */
export function skipBodyDecoding(): void {
  const queue = createRequire(import.meta.url)('autocannon/lib/pipelinedRequestsQueue.js') as {
    prototype: { addBody?: unknown };
  };
  if (typeof queue.prototype.addBody !== 'function')
    throw new Error('autocannon has no PipelinedRequestsQueue.addBody any more: see skipBodyDecoding');
  queue.prototype.addBody = () => undefined;
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  ms: number;
}

/** One request on a keep-alive agent; lighter than fetch for a load generator sharing two cores. */
export function request(
  agent: http.Agent,
  port: number,
  opts: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    body?: unknown;
    timeoutMs?: number;
  },
): Promise<HttpAnswer> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = { ...opts.headers };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: opts.method, path: opts.path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: (res.headers['content-encoding'] === 'gzip'
              ? gunzipSync(Buffer.concat(chunks))
              : Buffer.concat(chunks)
            ).toString(),
            ms: performance.now() - t0,
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Runs `worker(i)` for i in [0, n) with at most `concurrency` at a time. */
export async function forEachBounded(
  n: number,
  concurrency: number,
  worker: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      await worker(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
}

export interface CannonRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** autocannon against one port: by count (`amount`) or by time (`seconds`), answers counted by status. */
export async function cannon(
  key: string,
  scenario: string,
  port: number,
  opts: {
    connections: number;
    amount?: number;
    seconds?: number;
    build: () => CannonRequest;
    /** The server's processes, for CPU time per answer. */
    pids?: number[];
    /** Also PostgreSQL's CPU time per answer (every postgres process on this machine). */
    database?: boolean;
  },
): Promise<Row> {
  const statuses = new Map<number, number>();
  const serverCpu = () => (opts.pids ?? []).reduce((sum, pid) => sum + cpuTimeUs(pid), 0);
  const server0 = serverCpu();
  const db0 = opts.database ? postgresCpuUs() : 0;
  const own0 = process.cpuUsage();
  // The rate is the answers over the time to the last answer, timed here: autocannon finishes (and reports its
  // duration) only at its next one-second sampling tick, which added up to a second to every run of a fixed
  // number of requests (the hold's 3,000 took "5 s" or "6 s", never in between).
  const t0 = performance.now();
  let lastAnswer = t0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: opts.connections,
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.seconds ?? 10 }),
    requests: [
      {
        setupRequest: (req) => ({ ...req, ...opts.build() }),
        onResponse: (status) => {
          lastAnswer = performance.now();
          countInto(statuses, status);
        },
      },
    ],
  });
  const own = process.cpuUsage(own0);
  const db = opts.database ? postgresCpuUs() - db0 : 0;
  const answers = result.requests.total || 1;
  const errors = result.errors + result.timeouts;
  return {
    ...(opts.pids?.length
      ? {
          cpu: {
            serverUs: (serverCpu() - server0) / answers,
            loadGeneratorUs: (own.user + own.system) / answers,
            ...(opts.database ? { databaseUs: db / answers } : {}),
          },
        }
      : {}),
    key,
    scenario,
    connections: opts.connections,
    requests: result.requests.total,
    perSecond: Math.round(result.requests.total / ((lastAnswer - t0) / 1000 || 1)),
    p50: result.latency.p50,
    p99: result.latency.p99,
    outcome: formatCounts(statuses) + (errors ? `, ${errors} errors/timeouts` : ''),
  };
}

/**
 * bench/server.ts bundled as scripts/build-server.mjs bundles the entry points (esbuild, packages external, two
 * folders deep like them), so the API process runs as `npm start` runs it: under tsx it holds ~45 MiB more.
 * Returns the node arguments that start it.
 */
export async function bundledServer(name: string): Promise<string[]> {
  const outfile = path.resolve(`dist/bench/${name}.js`);
  await build({
    entryPoints: ['bench/server.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
  return ['--enable-source-maps', outfile];
}
