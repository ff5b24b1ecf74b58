import { Logger } from '@nestjs/common';
import type { Channel, ChannelModel } from 'amqplib';
import { RabbitConnection } from './rabbit-connection';

const FIRST_REOPEN_DELAY_MS = 500;

/**
 * A channel that is always being put back. amqplib's recovery rebuilds
 * channels when the connection drops; a channel can also die alone (a
 * channel-level error, a consumer the broker cancelled) while the connection
 * stays up, and nothing would reopen it. This does, with backoff, and runs
 * `prepare` (topology, prefetch, consume) on every new channel.
 */
export class ManagedChannel<C extends Channel> {
  private readonly logger: Logger;
  private channel?: C;
  private model?: ChannelModel;
  private closed = false;

  constructor(
    connection: RabbitConnection,
    private readonly what: string,
    private readonly create: (model: ChannelModel) => Promise<C>,
    private readonly prepare: (channel: C) => Promise<void>,
    private readonly maxDelayMs: number,
  ) {
    this.logger = new Logger(`RabbitMQ:${what}`);
    connection.onConnect((model) => this.open(model));
  }

  get current(): C | undefined {
    return this.channel;
  }

  /** Closes the channel and stops reopening it. */
  async close(): Promise<void> {
    this.closed = true;
    const channel = this.channel;
    this.channel = undefined;
    await channel?.close().catch(() => undefined);
  }

  private async open(model: ChannelModel): Promise<void> {
    this.model = model;
    const previous = this.channel;
    this.channel = undefined;
    await previous?.close().catch(() => undefined);
    const channel = await this.create(model);
    channel.on('error', () => undefined); // the reason also arrives with 'close', and the connection logs it
    channel.on('close', () => {
      if (this.channel !== channel) return; // replaced on purpose
      this.channel = undefined;
      if (!this.closed) this.reopenLater(model, FIRST_REOPEN_DELAY_MS);
    });
    try {
      await this.prepare(channel);
    } catch (error) {
      // Not this.channel, so its 'close' reopens nothing; without this, each failed attempt would leave a channel open.
      await channel.close().catch(() => undefined);
      throw error;
    }
    this.channel = channel;
  }

  private reopenLater(model: ChannelModel, delayMs: number): void {
    setTimeout(() => {
      // The connection's own recovery got there first, or we are shutting down.
      if (this.closed || this.channel || this.model !== model) return;
      this.logger.warn(`${this.what} channel closed while the connection stayed up; reopening it`);
      this.open(model).catch((error: Error) => {
        this.logger.warn(`reopening the ${this.what} channel failed (${error.message}); retrying in ${delayMs * 2} ms`);
        this.reopenLater(model, Math.min(delayMs * 2, this.maxDelayMs));
      });
    }, delayMs).unref();
  }
}
