import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ChannelModel, connect, RecoveringChannelModel } from 'amqplib';
import { AppConfig } from '@darkroom/config';

export type ConnectionSetup = (model: ChannelModel) => Promise<void>;

/**
 * One AMQP connection per process, with amqplib's own recovery: exponential
 * backoff with jitter on the first connect and after every drop, each attempt
 * logged. Channels, topology and consumers are (re)built by the registered
 * setups after every successful connect.
 */
@Injectable()
export class RabbitConnection implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RabbitMQ');
  private readonly setups: ConnectionSetup[] = [];
  private model?: RecoveringChannelModel;
  private starting?: Promise<void>;

  constructor(private readonly config: AppConfig) {}

  /** Register before start(); runs after every (re)connect, in registration order. */
  onConnect(setup: ConnectionSetup): void {
    this.setups.push(setup);
  }

  onApplicationBootstrap(): Promise<void> {
    return this.start();
  }

  /** Idempotent: resolves once the first connection is up and every setup has run. */
  start(): Promise<void> {
    this.starting ??= this.connect();
    return this.starting;
  }

  private async connect(): Promise<void> {
    this.model = await connect(this.config.rabbit.url, {
      // Shown by `rabbitmqctl list_connections client_properties`: which process, for which queue.
      clientProperties: { connection_name: `darkroom ${this.config.instance} ${this.config.rabbit.exchange}` },
      recovery: {
        initialDelay: 250,
        maxDelay: this.config.connectBackoffMaxMs,
        waitForConnect: false,
        setup: async (model: ChannelModel) => {
          for (const setup of this.setups) await setup(model);
        },
      },
    });
    this.model.on('connect', () => {
      this.logger.log(`connected to ${redactUrl(this.config.rabbit.url)}`);
    });
    this.model.on('disconnect', (error: Error) => {
      this.logger.warn(`connection lost: ${error?.message ?? 'closed'}`);
    });
    this.model.on('reconnect-scheduled', ({ attempt, delay, error }) =>
      this.logger.warn(`connection attempt ${attempt} failed (${error?.message}); retrying in ${delay} ms`),
    );
    this.model.on('error', (error: Error) => this.logger.error(`connection error: ${error.message}`));
    await this.model.waitForConnect();
  }

  async onApplicationShutdown(): Promise<void> {
    const model = this.model;
    this.model = undefined;
    await model?.close().catch(() => undefined);
  }
}

export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
