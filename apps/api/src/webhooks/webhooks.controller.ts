import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { PageQueryDto } from '../uploads/dto/upload.dto';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type AuthenticatedUser } from '../auth/auth.decorators';
import { CreatedWebhookDto, CreateWebhookDto, DeliveryPageDto, RotatedSecretDto, WebhookDto } from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

const uuid = () => new ParseUUIDPipe({ version: '4' });

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedWebhookDto, description: 'registered; the secret is shown this once' })
  @ApiBadRequestResponse({ description: 'malformed, or pointing at a loopback, private or link-local address' })
  @ApiConflictResponse({ description: 'the most endpoints a user can have are registered already' })
  register(@CurrentUser() user: AuthenticatedUser, @Body() body: CreateWebhookDto): Promise<CreatedWebhookDto> {
    return this.webhooks.register(user, body);
  }

  @Get()
  @ApiOkResponse({ type: WebhookDto, isArray: true, description: 'your endpoints, oldest first, without secrets' })
  list(@CurrentUser() user: AuthenticatedUser): Promise<WebhookDto[]> {
    return this.webhooks.list(user);
  }

  @Get(':id')
  @ApiOkResponse({ type: WebhookDto })
  @ApiNotFoundResponse({ description: 'no endpoint of yours has this id' })
  get(@CurrentUser() user: AuthenticatedUser, @Param('id', uuid()) id: string): Promise<WebhookDto> {
    return this.webhooks.get(user, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'deleted, with its delivery log' })
  @ApiNotFoundResponse({ description: 'no endpoint of yours has this id' })
  remove(@CurrentUser() user: AuthenticatedUser, @Param('id', uuid()) id: string): Promise<void> {
    return this.webhooks.remove(user, id);
  }

  @Post(':id/secret')
  @HttpCode(200)
  @ApiOkResponse({ type: RotatedSecretDto, description: 'a new secret; the previous one keeps signing for 24 hours' })
  @ApiNotFoundResponse({ description: 'no endpoint of yours has this id' })
  rotateSecret(@CurrentUser() user: AuthenticatedUser, @Param('id', uuid()) id: string): Promise<RotatedSecretDto> {
    return this.webhooks.rotateSecret(user, id);
  }

  @Get(':id/deliveries')
  @ApiOkResponse({ type: DeliveryPageDto, description: "the endpoint's deliveries, newest first, each with its attempts and last outcome" })
  @ApiNotFoundResponse({ description: 'no endpoint of yours has this id' })
  deliveries(@CurrentUser() user: AuthenticatedUser, @Param('id', uuid()) id: string, @Query() query: PageQueryDto): Promise<DeliveryPageDto> {
    return this.webhooks.deliveryLog(user, id, query.cursor, query.limit);
  }

  @Post(':id/deliveries/:deliveryId/resend')
  @HttpCode(202)
  @ApiAcceptedResponse({ description: 'due again now, with the same webhook-id and a fresh run of the retry schedule' })
  @ApiNotFoundResponse({ description: 'no such delivery of an endpoint of yours, or it is still pending' })
  @ApiConflictResponse({ description: 'the endpoint is disabled' })
  resend(@CurrentUser() user: AuthenticatedUser, @Param('id', uuid()) id: string, @Param('deliveryId', uuid()) deliveryId: string): Promise<void> {
    return this.webhooks.resend(user, id, deliveryId);
  }
}
