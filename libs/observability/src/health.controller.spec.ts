import { ServiceUnavailableException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController, READINESS_PROBES, ReadinessProbe } from './health.controller';

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
});
