import { once } from 'node:events';
import { AddressInfo, createServer, connect, Server, Socket } from 'node:net';
import { ServiceUnavailableException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TerminusModule, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { HealthController, readinessProbes } from '@darkroom/observability';
import { dataSourceOptions } from './data-source-options';
import { PostgresHealth, postgresProbe } from './postgres-health';

// The local Postgres the e2e suites use too; any database answers SELECT 1.
const POSTGRES = new URL(process.env.E2E_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432');

/** A TCP relay to the real Postgres that can stop listening (the server went away) or stop relaying (it hangs). */
class Relay {
  private readonly sockets = new Set<Socket>();
  private readonly server: Server = createServer((client) => {
    const upstream = connect(Number(POSTGRES.port || 5432), POSTGRES.hostname);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const url = new URL(POSTGRES);
    url.port = String((this.server.address() as AddressInfo).port);
    url.pathname = '/postgres';
    return url.toString();
  }

  /** Nothing listens on the port any more and open connections drop. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** Connections stay open but nothing gets through. */
  stall(): void {
    for (const socket of this.sockets) socket.unpipe();
  }
}

async function readyBody(dataSource: DataSource): Promise<unknown> {
  const moduleRef = await Test.createTestingModule({
    imports: [TerminusModule.forRoot({ logger: false })],
    controllers: [HealthController],
    providers: [{ provide: DataSource, useValue: dataSource }, PostgresHealth, readinessProbes([PostgresHealth], (postgres: PostgresHealth) => [postgres.probe()])],
  }).compile();
  return moduleRef
    .get(HealthController)
    .ready()
    .catch((error: unknown) => (error instanceof ServiceUnavailableException ? error.getResponse() : Promise.reject(error)));
}

describe('the postgres readiness probe (terminus TypeORM ping, against the local Postgres)', () => {
  let relay: Relay;
  let dataSource: DataSource;

  beforeEach(async () => {
    relay = new Relay();
    const url = await relay.start();
    dataSource = await new DataSource({ ...dataSourceOptions(url, 'darkroom-health-spec'), logger: undefined, logging: false }).initialize();
  });

  afterEach(async () => {
    await relay.stop();
    await dataSource.destroy().catch(() => undefined);
  });

  it('is up while Postgres answers', async () => {
    await expect(readyBody(dataSource)).resolves.toMatchObject({ status: 'ok', details: { postgres: { status: 'up', responseTime: expect.any(Number) } } });
  });

  it('is down (503) naming the refused address when nothing listens on the port any more', async () => {
    const port = new URL(dataSource.options.type === 'postgres' ? dataSource.options.url! : '').port;
    // The pool's idle connection drops with the relay; wait until the pool has let go of it, so the ping has to
    // open a new connection (the one after a drop may instead fail with 'Connection terminated unexpectedly').
    const pool = (dataSource.driver as unknown as { master: NodeJS.EventEmitter }).master;
    const dropped = once(pool, 'remove');
    await relay.stop();
    await dropped;

    const body = await readyBody(dataSource);
    expect(body).toMatchObject({ status: 'error', error: { postgres: { status: 'down', message: `connect ECONNREFUSED 127.0.0.1:${port}` } } });
  });

  it('is down with a timeout message when Postgres stops answering', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [TerminusModule.forRoot({ logger: false })] }).compile();
    const probe = postgresProbe(await moduleRef.resolve(TypeOrmHealthIndicator), dataSource);
    // Keep the pool's one connection open (idle), then cut it off.
    await dataSource.query('SELECT 1');
    relay.stall();

    await expect(probe.indicator!('postgres', 300)).resolves.toEqual({ postgres: { status: 'down', message: 'timeout of 300ms exceeded', responseTime: expect.any(Number) } });
  });
});
