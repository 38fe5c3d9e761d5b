import { ConfigError } from '../config.js';
import { boot, type Runtime } from '../main/bootstrap.js';
import { seedDemoData } from './seed.js';

const USAGE = `Usage: tsx src/db/cli.ts <command>

Commands:
  migrate   apply pending migrations (npm run db:migrate)
  seed      migrate, then add the demo city: theaters, movies, a week of showtimes (npm run db:seed)

Uses DATABASE_URL when set, otherwise the embedded PostgreSQL under DATA_DIR (default ./.data).`;

const COMMANDS = ['migrate', 'seed'] as const;
type Command = (typeof COMMANDS)[number];

function isCommand(value: string | undefined): value is Command {
  return COMMANDS.includes(value as Command);
}

/** boot() migrates on the way up, so `migrate` is boot + shutdown; `seed` runs the seed by hand as well. */
async function run(command: Command): Promise<void> {
  let runtime: Runtime | undefined;
  try {
    runtime = await boot({ seed: false });
    switch (command) {
      case 'migrate':
        console.log('database is migrated to the latest version');
        break;
      case 'seed': {
        const report = await seedDemoData(runtime.ctx, (line) => console.log(line));
        console.log(
          `seeded in ${(report.ms / 1000).toFixed(1)} s ` +
            `(theaters ${report.theaters}, auditoriums ${report.auditoriums}, seats ${report.seats}, ` +
            `movies ${report.movies}, showtimes ${report.showtimes}, inventory rows ${report.inventory} added)`,
        );
        break;
      }
    }
  } finally {
    await runtime?.shutdown();
  }
}

const [command, ...extra] = process.argv.slice(2);
if (command === 'help' || command === '--help' || command === '-h') {
  console.log(USAGE);
  process.exit(0);
}
if (!isCommand(command) || extra.length > 0) {
  console.error(
    command === undefined ? 'Missing command.\n' : `Unknown command: ${[command, ...extra].join(' ')}\n`,
  );
  console.error(USAGE);
  process.exit(2);
}

run(command).then(
  // Exit explicitly: a pool or timer someone forgets to close must not keep the CLI hanging.
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  },
);
