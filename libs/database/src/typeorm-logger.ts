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
    const line = `query failed: ${error instanceof Error ? error.message : error} [${oneLine(query)}]`;
    // A constraint (SQLSTATE class 23) refusing a row is often the answer the caller expects (a handle
    // taken is a 409): the caller logs it as an error if it is one, so here it is only a note.
    if (sqlState(error).startsWith('23')) this.logger.log(line);
    else this.logger.error(line);
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

function sqlState(error: string | Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : '';
}

function oneLine(query: string): string {
  return query.replace(/\s+/g, ' ').trim().slice(0, 300);
}
