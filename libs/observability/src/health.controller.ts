import { Controller, Get, Inject, Provider } from '@nestjs/common';
import { Public } from './public-route.decorator';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';

/** One dependency the process needs to do its job; check() throws when it is not usable. */
export interface ReadinessProbe {
  name: string;
  check(): Promise<unknown>;
}

export const READINESS_PROBES = Symbol('READINESS_PROBES');
const PROBE_TIMEOUT_MS = 2000;

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

  /** Every dependency answers now: send it work if so (503 naming the failing ones if not). */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(
      this.probes.map(
        (probe) => () =>
          this.indicators
            .check(probe.name)
            .attempt(async () => {
              await probe.check();
            })
            .withTimeout(PROBE_TIMEOUT_MS),
      ),
    );
  }
}

/**
 * The app's probes, for its root module beside `controllers: [HealthController]`
 * and `imports: [TerminusModule]` (there, the factory sees every provider of the app).
 */
export function readinessProbes<Deps extends unknown[]>(inject: unknown[], useFactory: (...deps: Deps) => ReadinessProbe[]): Provider {
  return { provide: READINESS_PROBES, inject: inject as never[], useFactory: useFactory as (...args: unknown[]) => ReadinessProbe[] };
}
