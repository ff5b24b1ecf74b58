import { Injectable, NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InjectMetric, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Histogram } from 'prom-client';

export const HTTP_REQUEST_DURATION = 'darkroom_http_request_duration_seconds';

/** Latency buckets from a cached 304 (ms) to a 50 MB upload on a slow link (tens of seconds). */
export const httpRequestDuration = makeHistogramProvider({
  name: HTTP_REQUEST_DURATION,
  help: 'HTTP requests by method, route template and status code, from first byte in to last byte out',
  labelNames: ['method', 'route', 'status_code'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
});

type RoutedRequest = IncomingMessage & { route?: { path?: string }; baseUrl?: string };

/**
 * Times every request. The route label is Express' matched template
 * (`/v1/uploads/:id`), never the raw URL, so ids do not explode the series
 * count; anything no route matched is `unmatched`. Event streams are left out. Registered with app.use so
 * that it sees every request, 404s included.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(@InjectMetric(HTTP_REQUEST_DURATION) private readonly duration: Histogram<string>) {}

  use(req: RoutedRequest, res: ServerResponse, next: () => void): void {
    const stop = this.duration.startTimer();
    res.once('close', () => {
      // A Server-Sent Events stream lasts as long as the client stays: its "latency" would swamp every
      // percentile. Open streams are a gauge of their own (darkroom_notification_streams_open).
      if (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) return;
      // Nest answers 404 from a catch-all route (`{/*splat}`): that is no route of ours either.
      const path = req.route?.path;
      const route = path && !path.includes('*') ? `${req.baseUrl ?? ''}${path}` : 'unmatched';
      // 'close' before the last byte went out: the client gave up (statusCode would still say 200)
      stop({ method: req.method ?? 'GET', route, status_code: res.writableFinished ? String(res.statusCode) : 'aborted' });
    });
    next();
  }
}
