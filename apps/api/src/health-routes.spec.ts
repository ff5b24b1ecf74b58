import { TerminusModule } from '@nestjs/terminus';
import { HealthController, READINESS_PROBES, type ReadinessProbe } from '@darkroom/observability';
import { bodyOf, type SpecApp, startSpecApp } from './http/http-spec-app.spec-support';

/** The api's /health routes as a probe sees them: no token, through the api's own guard, pipe and filter. */
describe('the api health routes over HTTP', () => {
  const probes: ReadinessProbe[] = [];
  let spec: SpecApp;

  beforeAll(async () => {
    spec = await startSpecApp({ imports: [TerminusModule.forRoot({ logger: false })], controllers: [HealthController], providers: [{ provide: READINESS_PROBES, useValue: probes }] });
  });
  afterAll(() => spec.close());
  beforeEach(() => probes.splice(0));

  const probe = (name: string, error?: string, optional?: string): ReadinessProbe => ({
    name,
    optional,
    check: async () => {
      if (error) throw new Error(error);
    },
  });

  it('answers /health/live without a token', async () => {
    const response = await spec.request('/health/live');

    expect(response.status).toBe(200);
    expect(await bodyOf(response)).toEqual({ status: 'ok' });
  });

  it('answers /health/ready 200 without a token when every probe answers', async () => {
    probes.push(probe('postgres'), probe('redis'));

    const response = await spec.request('/health/ready');

    expect(response.status).toBe(200);
    expect(await bodyOf(response)).toMatchObject({ status: 'ok', details: { postgres: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('answers 503 naming the dependency that is down, in the error body shape', async () => {
    probes.push(probe('postgres'), probe('redis', 'connect ECONNREFUSED 127.0.0.1:6379'));

    const response = await spec.request('/health/ready');

    expect(response.status).toBe(503);
    expect(await bodyOf(response)).toMatchObject({
      statusCode: 503,
      status: 'error',
      error: { redis: { status: 'down', message: 'connect ECONNREFUSED 127.0.0.1:6379' } },
      details: { postgres: { status: 'up' } },
    });
  });

  it('stays 200 with the optional dependency degraded', async () => {
    probes.push(probe('postgres'), probe('rabbitmq', 'RabbitMQ is not connected', 'uploads wait in the outbox'));

    const response = await spec.request('/health/ready');

    expect(response.status).toBe(200);
    expect(await bodyOf(response)).toMatchObject({ status: 'degraded', details: { rabbitmq: { status: 'degraded', message: 'RabbitMQ is not connected', impact: 'uploads wait in the outbox' } } });
  });
});
