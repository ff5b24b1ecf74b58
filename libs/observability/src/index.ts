export { appOptions } from './app-options';
export { connectWithBackoff, type BackoffOptions } from './connect-with-backoff';
export { bootLogger, LoggingModule, pinoOptions, REQUEST_ID_HEADER, requestIdOf } from './logging.module';
export { HealthController, PROBE_TIMEOUT_MS, READINESS_PROBES, readinessProbes, type ReadinessProbe, type TerminusIndicator } from './health.controller';
export { HttpMetricsMiddleware, httpRequestDuration, HTTP_REQUEST_DURATION } from './http-metrics.middleware';
export { MetricsController, MetricsModule } from './metrics.module';
export { Public, PUBLIC_ROUTE } from './public-route.decorator';
