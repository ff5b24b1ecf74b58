import { Controller, Get, Inject, Provider } from '@nestjs/common';
import { Public } from './public-route.decorator';
import { HealthCheck, HealthCheckService, type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

/**
 * A terminus indicator for one dependency, e.g. `(key, ms) => typeOrm.pingCheck(key, { connection }).withTimeout(ms)`:
 * it resolves with `{ [key]: { status: 'up' | 'down', ... } }` and should give up after `timeoutMs` (the controller
 * reports it down when it does not, and when it throws, instead of failing the whole request).
 */
export type TerminusIndicator = (key: string, timeoutMs: number) => PromiseLike<HealthIndicatorResult>;

/**
 * One dependency the process needs to do its job: either `check()`, which throws when it is not usable,
 * or `indicator`, a terminus indicator (use one where terminus has one that fits, such as its TypeORM ping).
 */
export type ReadinessProbe = {
  name: string;
  /**
   * Set when the process still does its job without this dependency, saying how (e.g. the api keeps
   * accepting uploads into the outbox while RabbitMQ is down). A failing optional probe shows as
   * `degraded` with this reason in the details, and the process stays ready (200).
   */
  optional?: string;
} & ({ check(): Promise<unknown>; indicator?: never } | { indicator: TerminusIndicator; check?: never });

export const READINESS_PROBES = Symbol('READINESS_PROBES');
/** How long each probe may take before it counts as down. */
export const PROBE_TIMEOUT_MS = 2000;

@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_PROBES) private readonly probes: ReadinessProbe[],
  ) {}

  /** The process runs and its event loop answers: restart it if not. */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /**
   * Every required dependency answers now: send it work if so (503 naming the failing ones if not).
   * An optional one that fails is reported `degraded`, with its message, without failing the check.
   */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(
      this.probes.map((probe) => async () => {
        const result = await this.indicate(probe);
        const outcome = result[probe.name];
        if (probe.optional === undefined || outcome?.status !== 'down') return result;
        const { status: _down, ...details } = outcome;
        return this.indicators.check(probe.name).degraded({ ...details, impact: probe.optional });
      }),
    );
  }

  /** A probe's result, `down` with the error's message when it throws or does not answer within the probe timeout. */
  private async indicate(probe: ReadinessProbe): Promise<HealthIndicatorResult> {
    const { indicator, check } = probe;
    let indicated: HealthIndicatorResult | undefined;
    const attempt = await this.indicators
      .check(probe.name)
      .attempt(async () => {
        if (indicator) indicated = await indicator(probe.name, PROBE_TIMEOUT_MS);
        else await check();
      })
      .withTimeout(PROBE_TIMEOUT_MS);
    return attempt[probe.name]?.status === 'up' && indicated ? indicated : attempt;
  }
}

/**
 * The app's probes, for its root module beside `controllers: [HealthController]`
 * and `imports: [TerminusModule]` (there, the factory sees every provider of the app).
 */
export function readinessProbes<Deps extends unknown[]>(inject: unknown[], useFactory: (...deps: Deps) => ReadinessProbe[]): Provider {
  return { provide: READINESS_PROBES, inject: inject as never[], useFactory: useFactory as (...args: unknown[]) => ReadinessProbe[] };
}
