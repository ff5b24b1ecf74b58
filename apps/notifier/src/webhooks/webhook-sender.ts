import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '@darkroom/config';
import { WebhookDestinations } from '@darkroom/webhooks';

/** A receiver's answer: its status code, whatever it is. */
export interface ReceiverAnswer {
  statusCode: number;
}

/**
 * POSTs one signed body to a receiver. The socket's address is checked as it is resolved (WebhookDestinations'
 * lookup: a name that now resolves somewhere forbidden fails before connecting); redirects are not followed
 * (a 3xx is an answer like any other); the exchange has WEBHOOK_TIMEOUT_MS; the answer's body is drained and
 * dropped. Throws for no answer: refused, reset, timed out, forbidden destination.
 */
@Injectable()
export class WebhookSender {
  private readonly lookup: ReturnType<WebhookDestinations['lookupFor']>;

  constructor(
    destinations: WebhookDestinations,
    private readonly config: AppConfig,
  ) {
    this.lookup = destinations.lookupFor();
  }

  post(url: string, headers: Record<string, string>, body: string): Promise<ReceiverAnswer> {
    const target = new URL(url);
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const timeoutMs = this.config.webhooks.timeoutMs;
    return new Promise<ReceiverAnswer>((resolve, reject) => {
      const req = request(
        target,
        {
          method: 'POST',
          lookup: this.lookup as never,
          signal: AbortSignal.timeout(timeoutMs),
          headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'darkroom-webhooks/1' },
          // a new connection each time: no pooled socket outlives the address check of its first request
          agent: false,
        },
        (res: IncomingMessage) => {
          // The status is the answer; the body is drained and dropped (the timeout still ends a stalled one).
          res.on('error', () => undefined);
          res.resume();
          resolve({ statusCode: res.statusCode ?? 0 });
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) => {
        reject(new Error(error.name === 'AbortError' || error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${error.code ? `${error.code}: ` : ''}${error.message}`));
      });
      req.end(body);
    });
  }
}
