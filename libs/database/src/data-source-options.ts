import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { InitialSchema1764000000000 } from './migrations/1764000000000-initial-schema';
import { Social1765000000000 } from './migrations/1765000000000-social';
import { Reliability1766000000000 } from './migrations/1766000000000-reliability';
import { Thumbhash1767000000000 } from './migrations/1767000000000-thumbhash';
import { Webhooks1768000000000 } from './migrations/1768000000000-webhooks';
import { Preferences1769000000000 } from './migrations/1769000000000-preferences';
import { EndpointNotices1770000000000 } from './migrations/1770000000000-endpoint-notices';
import { ChecksumByWorker1771000000000 } from './migrations/1771000000000-checksum-by-worker';
import { TypeOrmLogger } from './typeorm-logger';

export const MIGRATIONS = [InitialSchema1764000000000, Social1765000000000, Reliability1766000000000, Thumbhash1767000000000, Webhooks1768000000000, Preferences1769000000000, EndpointNotices1770000000000, ChecksumByWorker1771000000000];

/** The one description of how darkroom talks to Postgres. Schema changes go through MIGRATIONS only. */
export function dataSourceOptions(url: string, applicationName: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    applicationName,
    logger: new TypeOrmLogger(),
    logging: ['error', 'warn', 'migration'],
    maxQueryExecutionTime: 1000,
    extra: { max: 10, connectionTimeoutMillis: 5000 },
  };
}
