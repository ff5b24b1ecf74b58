import { Logger as NestLogger } from '@nestjs/common';
import type { Logger } from 'typeorm';

/**
 * TypeORM's messages into the app's log (JSON via pino), not the console:
 * failed and slow queries, and the pool's "connection lost" warnings.
 * Successful queries are not logged (parameters may hold personal data).
 */
export class TypeOrmLogger implements Logger {
  private readonly logger = new NestLogger('Postgres');

  logQuery(): void {}

  logQueryError(error: string | Error, query: string): void {
    this.logger.error(`query failed: ${error instanceof Error ? error.message : error} [${oneLine(query)}]`);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`slow query (${time} ms): ${oneLine(query)}`);
  }

  logSchemaBuild(): void {}

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.log(String(message));
  }
}

function oneLine(query: string): string {
  return query.replace(/\s+/g, ' ').trim().slice(0, 300);
}
