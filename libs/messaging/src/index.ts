export { AmqpJobContext, type JobOutcome } from './amqp-job.context';
export { ConsumerMetrics, consumerMetricsProviders, JOB_DURATION, JOBS_TOTAL, type SettledAs } from './consumer-metrics';
export { declareImagesTopology, type ImagesTopologyNames } from './images-topology';
export { DeadLetters, type DeadLetter } from './dead-letters';
export { bullConnection, bullQueueNames, bullRootModule, DURABLE_JOB_OPTIONS, FAN_OUT_FLOW, notificationsQueueModule } from './bull-queues';
export { UploadEventsQueue } from './upload-events.queue';
export { OutboxRelay, type OutboxSink } from './outbox-relay';
export { QUEUE_DEPTH, queueDepthGauge } from './queue-depth.gauge';
export { QueueInspector } from './queue-inspector';
export { RabbitConnection, redactUrl } from './rabbit-connection';
export { RabbitConsumerTransport } from './rabbit-consumer.transport';
export { BrokerUnavailableError, RabbitPublisher, UnroutableMessageError } from './rabbit-publisher';
export { ImageUploadedSink } from './image-uploaded.sink';
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
