import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

/** Applies pending migrations; used by `npm run migrate`, the compose migrate step and the e2e set-up. */
export async function runMigrations(databaseUrl: string): Promise<string[]> {
  const dataSource = await new DataSource({ ...dataSourceOptions(databaseUrl, 'darkroom-migrate'), logging: ['error'] }).initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}
