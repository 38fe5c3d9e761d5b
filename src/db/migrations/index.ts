import type { Kysely, Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_foundation.js';

/** Explicit, ordered list: a migration runs once, in this order, and is never edited after release. */
const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};

export type AnyDb = Kysely<unknown>;
