import { Module } from '@nestjs/common';
import { AppConfig } from '@darkroom/config';
import { WebhookDestinations } from '@darkroom/webhooks';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

@Module({
  controllers: [WebhooksController],
  providers: [WebhooksService, { provide: WebhookDestinations, inject: [AppConfig], useFactory: (config: AppConfig) => new WebhookDestinations(config.webhooks.allowedHosts) }],
  exports: [WebhooksService],
})
export class WebhooksModule {}
