import { Controller, DynamicModule, Get, Module, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PrometheusController, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { AppConfig } from '@darkroom/config';
import { Public } from './public-route.decorator';

/** GET /metrics in Prometheus' text format; open like /health (scraped on the internal network, never proxied by nginx). */
@Public()
@ApiExcludeController()
@Controller('metrics')
export class MetricsController extends PrometheusController {
  @Get()
  override index(@Res({ passthrough: true }) response: unknown): Promise<string> {
    return super.index(response);
  }
}

/**
 * prom-client's default registry behind /metrics, with Node's process metrics
 * and two labels on every series: `service` (api, worker, notifier) and
 * `replica` (INSTANCE_NAME, the hostname-pid the logs carry), so a scaled
 * worker's series can be told apart and matched to its log lines.
 */
@Module({})
export class MetricsModule {
  static forService(service: string): DynamicModule {
    return {
      module: MetricsModule,
      imports: [
        PrometheusModule.registerAsync({
          global: true,
          controller: MetricsController,
          inject: [AppConfig],
          useFactory: (config: unknown) => ({
            defaultLabels: { service, replica: (config as AppConfig).instance },
            defaultMetrics: { enabled: true },
          }),
        }),
      ],
    };
  }
}
