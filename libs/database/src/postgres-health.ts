import { Injectable } from '@nestjs/common';
import { TypeOrmHealthIndicator } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import type { ReadinessProbe } from '@darkroom/observability';

/**
 * The `postgres` readiness probe: terminus' TypeORM ping (`SELECT 1`) on the given DataSource, given up after the
 * controller's probe timeout. The connection is passed explicitly rather than looked up in the DI context.
 */
export function postgresProbe(typeOrm: TypeOrmHealthIndicator, connection: DataSource): ReadinessProbe {
  return { name: 'postgres', indicator: (key, timeoutMs) => typeOrm.pingCheck(key, { connection }).withTimeout(timeoutMs) };
}

/** Provided by DatabaseModule, so every app gets its Postgres probe the same way: `readinessProbes([PostgresHealth, …], (pg, …) => [pg.probe(), …])`. */
@Injectable()
export class PostgresHealth {
  constructor(
    private readonly typeOrm: TypeOrmHealthIndicator,
    private readonly dataSource: DataSource,
  ) {}

  probe(): ReadinessProbe {
    return postgresProbe(this.typeOrm, this.dataSource);
  }
}
