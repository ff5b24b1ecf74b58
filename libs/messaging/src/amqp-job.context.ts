import { BaseRpcContext } from '@nestjs/microservices';
import type { ConsumeMessage } from 'amqplib';

/**
 * What a handler decides for a message: ack it (done), try again later as a
 * new attempt (retry), park it in the dead-letter queue (reject), or try
 * again later without counting an attempt (defer: a dependency was down, the
 * message itself is fine).
 */
export type JobOutcome = 'done' | 'retry' | 'reject' | 'defer';

/** Passed to @EventPattern handlers as their context: the raw message and which attempt this is. */
export class AmqpJobContext extends BaseRpcContext<[ConsumeMessage, number, number]> {
  get message(): ConsumeMessage {
    return this.args[0];
  }

  /** 1 for the first delivery; counts our retries, not broker redeliveries after a crash. */
  get attempt(): number {
    return this.args[1];
  }

  get maxAttempts(): number {
    return this.args[2];
  }

  get isLastAttempt(): boolean {
    return this.attempt >= this.maxAttempts;
  }
}
