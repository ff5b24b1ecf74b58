import { ServiceUnavailableException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { HealthController, PROBE_TIMEOUT_MS, READINESS_PROBES, ReadinessProbe } from './health.controller';

async function controllerWith(probes: ReadinessProbe[]): Promise<HealthController> {
  const moduleRef = await Test.createTestingModule({
    imports: [TerminusModule.forRoot({ logger: false })],
    controllers: [HealthController],
    providers: [{ provide: READINESS_PROBES, useValue: probes }],
  }).compile();
  return moduleRef.get(HealthController);
}

const up = (name: string): ReadinessProbe => ({ name, check: async () => undefined });
const down = (name: string, optional?: string): ReadinessProbe => ({
  name,
  optional,
  check: async () => {
    throw new Error(`${name} is gone`);
  },
});

// A terminus indicator, as libs/database's postgres probe hands one over (there: TypeOrmHealthIndicator.pingCheck).
const indicators = new HealthIndicatorService();
const indicated = (name: string, fails?: string, optional?: string): ReadinessProbe => ({
  name,
  optional,
  indicator: (key, timeoutMs) =>
    indicators
      .check(key)
      .attempt(async () => {
        if (fails) throw new Error(fails);
      })
      .withTimeout(timeoutMs),
});

describe('HealthController.ready', () => {
  it('is ok when every probe answers', async () => {
    const controller = await controllerWith([up('postgres'), up('rabbitmq')]);
    await expect(controller.ready()).resolves.toMatchObject({ status: 'ok', details: { postgres: { status: 'up' }, rabbitmq: { status: 'up' } } });
  });

  it('fails (503) naming a required probe that is down', async () => {
    const controller = await controllerWith([up('postgres'), down('redis')]);
    const failure = await controller.ready().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServiceUnavailableException);
    expect((failure as ServiceUnavailableException).getResponse()).toMatchObject({ status: 'error', error: { redis: { status: 'down', message: 'redis is gone' } } });
  });

  it('stays ready when only an optional probe is down, and reports it degraded with its message and impact', async () => {
    const controller = await controllerWith([up('postgres'), down('rabbitmq', 'uploads wait in the outbox')]);
    await expect(controller.ready()).resolves.toMatchObject({
      status: 'degraded',
      details: { postgres: { status: 'up' }, rabbitmq: { status: 'degraded', message: 'rabbitmq is gone', impact: 'uploads wait in the outbox' } },
    });
  });

  it('runs a terminus indicator probe under the same key: up, down (503) with its message, or degraded when optional', async () => {
    await expect((await controllerWith([indicated('postgres')])).ready()).resolves.toMatchObject({ status: 'ok', details: { postgres: { status: 'up' } } });

    const failure = await (await controllerWith([indicated('postgres', 'connect ECONNREFUSED 127.0.0.1:5432')])).ready().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServiceUnavailableException);
    expect((failure as ServiceUnavailableException).getResponse()).toMatchObject({
      status: 'error',
      error: { postgres: { status: 'down', message: 'connect ECONNREFUSED 127.0.0.1:5432' } },
    });

    await expect((await controllerWith([up('postgres'), indicated('search', 'search is gone', 'search results may be stale')])).ready()).resolves.toMatchObject({
      status: 'degraded',
      details: { postgres: { status: 'up' }, search: { status: 'degraded', message: 'search is gone', impact: 'search results may be stale' } },
    });
  });

  it('gives an indicator probe the probe timeout', async () => {
    const seen: number[] = [];
    const probe: ReadinessProbe = { name: 'postgres', indicator: async (key, timeoutMs) => (seen.push(timeoutMs), { [key]: { status: 'up' } }) };
    await (await controllerWith([probe])).ready();
    expect(seen).toEqual([PROBE_TIMEOUT_MS]);
  });

  it('reports an indicator that throws as down with its message (503, not a 500 for the whole check)', async () => {
    const throwing: ReadinessProbe = {
      name: 'disk',
      indicator: async () => {
        throw new Error("ENOENT: no such file or directory, statfs '/data'");
      },
    };
    const failure = await (await controllerWith([up('postgres'), throwing])).ready().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServiceUnavailableException);
    expect((failure as ServiceUnavailableException).getResponse()).toMatchObject({
      status: 'error',
      details: { postgres: { status: 'up' }, disk: { status: 'down', message: "ENOENT: no such file or directory, statfs '/data'" } },
    });
  });
});
