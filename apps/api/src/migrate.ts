import { loadConfig } from '@darkroom/config';
import { runMigrations } from '@darkroom/database';
import { connectWithBackoff } from '@darkroom/observability';

/** `npm run migrate` and the compose `migrate` service: apply pending migrations, then exit. */
async function main(): Promise<void> {
  const config = loadConfig();
  const applied = await connectWithBackoff('postgres', () => runMigrations(config.database.url), {
    logger: { log: (m) => console.log(m), warn: (m) => console.warn(m) },
    maxDelayMs: config.connectBackoffMaxMs,
    maxAttempts: 30,
  });
  console.log(applied.length ? `applied migrations: ${applied.join(', ')}` : 'schema is up to date');
}

main().catch((error: unknown) => {
  console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
