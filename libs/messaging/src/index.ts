export { AmqpJobContext, type JobOutcome } from './amqp-job.context';
export { ConsumerMetrics, consumerMetricsProviders, JOB_DURATION, JOBS_TOTAL, type SettledAs } from './consumer-metrics';
export { DeadLetters, type DeadLetter } from './dead-letters';
export { bullConnection, bullQueueNames, bullRootModule, DURABLE_JOB_OPTIONS, FAN_OUT_FLOW, notificationsQueueModule } from './bull-queues';
export { UploadEventsQueue } from './upload-events.queue';
export { OutboxRelay, type OutboxSink } from './outbox-relay';
export { PollPacer } from './poll-pacer';
export { QUEUE_DEPTH, queueDepthGauge } from './queue-depth.gauge';
export { QueueInspector } from './queue-inspector';
export { RabbitConnection, redactUrl } from './rabbit-connection';
export { CONSUMED_EVENTS, RabbitConsumerTransport } from './rabbit-consumer.transport';
export { declareRabbitTopology, eventQueues, type EventQueues, type RabbitTopologyConfig } from './rabbit-topology';
export { BrokerUnavailableError, RabbitPublisher, UnroutableMessageError } from './rabbit-publisher';
export { RabbitEventSink } from './rabbit-event.sink';
export { createRedis } from './redis-connection';
export { RabbitModule } from './rabbit.module';
export { RedisHealth } from './redis-health';
export { LIVE_PUBLISH_CONNECTION, LiveNotificationPublisher, type LiveNotificationBatch, type LivePublishConnection, type LiveRecipient } from './live-notification-publisher';
export {
  LIVE_SUBSCRIBE_CONNECTION,
  LiveNotificationSubscriber,
  type LiveNotificationListener,
  type LiveSubscribeConnection,
  type ResubscribedListener,
} from './live-notification-subscriber';
