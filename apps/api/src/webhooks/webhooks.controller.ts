import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type AuthenticatedUser } from '../auth/auth.decorators';
import { CreatedWebhookDto, CreateWebhookDto, RotatedSecretDto, WebhookDto } from './dto/webhook.dto';
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
}
