import { Global, Module } from '@nestjs/common';
import { RabbitConnection } from './rabbit-connection';
import { RabbitPublisher } from './rabbit-publisher';

/** The process's one AMQP connection and its confirming publisher. */
@Global()
@Module({ providers: [RabbitConnection, RabbitPublisher], exports: [RabbitConnection, RabbitPublisher] })
export class RabbitModule {}
