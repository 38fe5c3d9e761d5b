import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { JobQueue } from '../src/jobs/queue.js';
import type { TestProject } from 'vitest/node';
import { createDb, createPool, migrateToLatest } from '../src/db/database.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/db/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the test server: tests create their own databases from the template. */
    adminUrl: string;
    /** A migrated, empty database each test file clones (CREATE DATABASE ... TEMPLATE). */
    templateDb: string;
  }
}

/**
 * One PostgreSQL for the whole run: TEST_DATABASE_URL's server when set (CI), otherwise a throwaway embedded
 * cluster. Migrations run once into a template database; every test file gets its own clone of it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let embedded: EmbeddedDatabase | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    const dir = await mkdtemp(path.join(tmpdir(), 'matinee-test-'));
    embedded = await startEmbeddedPostgres({ dataDir: dir, ephemeral: true });
    adminUrl = embedded.adminUrl;
  }

  const templateDb = `matinee_tpl_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${templateDb}`);
  const url = new URL(adminUrl);
  url.pathname = `/${templateDb}`;
  const db = createDb(createPool(url.toString(), { max: 1 }));
  await migrateToLatest(db);
  await db.destroy();
  // Install pg-boss's schema once in the template, so each clone starts its queue instantly.
  const jobs = new JobQueue({ databaseUrl: url.toString(), logger: pino({ level: 'silent' }), role: 'api' });
  await jobs.start();
  await jobs.stop();

  project.provide('adminUrl', adminUrl);
  project.provide('templateDb', templateDb);

  return async () => {
    // Drop the template and any clone a crashed test file left behind.
    const leftovers = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`,
      [templateDb, `${templateDb.replace('_tpl_', '_t_')}_%`],
    );
    for (const { datname } of leftovers.rows) {
      await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
    }
    await admin.end();
    await embedded?.stop();
  };
}
