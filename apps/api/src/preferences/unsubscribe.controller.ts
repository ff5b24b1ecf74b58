import { BadRequestException, Controller, Get, Header, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AppConfig } from '@darkroom/config';
import { isUnsubscribeToken } from '@darkroom/contracts';
import { PreferencesRepository } from '@darkroom/database';
import { Public } from '../auth/auth.decorators';
import { NOTIFICATION_KINDS } from '../webhooks/dto/webhook.dto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The unsubscribe link of every e-mail: no sign-in, the link's token (an HMAC of the user id) is the proof.
 * GET is the link a person clicks, POST the one-click unsubscribe mail clients send (RFC 8058). Both turn
 * e-mail off for every kind; GET /v1/me/preferences turns it on again.
 */
@ApiTags('preferences')
@Controller('v1/email/unsubscribe')
export class UnsubscribeController {
  constructor(
    private readonly preferences: PreferencesRepository,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @Public()
  @Header('content-type', 'text/html; charset=utf-8')
  @ApiProduces('text/html')
  @ApiQuery({ name: 'user' })
  @ApiQuery({ name: 'token' })
  @ApiOkResponse({ description: 'e-mail is off; a page saying so' })
  @ApiBadRequestResponse({ description: 'the link is not one darkroom wrote' })
  async page(@Query('user') user: unknown, @Query('token') token: unknown): Promise<string> {
    await this.unsubscribe(user, token);
    return '<!doctype html><html><head><meta charset="utf-8"><title>Unsubscribed</title></head><body style="font-family:sans-serif"><h1>You are unsubscribed</h1><p>darkroom will send you no more e-mail. You can turn e-mail on again in your notification preferences.</p></body></html>';
  }

  @Post()
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ description: 'e-mail is off (one-click unsubscribe)' })
  @ApiBadRequestResponse({ description: 'the link is not one darkroom wrote' })
  async oneClick(@Query('user') user: unknown, @Query('token') token: unknown): Promise<{ unsubscribed: true }> {
    await this.unsubscribe(user, token);
    return { unsubscribed: true };
  }

  private async unsubscribe(user: unknown, token: unknown): Promise<void> {
    if (typeof user !== 'string' || typeof token !== 'string' || !UUID.test(user) || !isUnsubscribeToken(this.config.api.urlSigningSecret, user, token)) {
      throw new BadRequestException('this unsubscribe link is not valid; use the link of a darkroom e-mail as it came');
    }
    await this.preferences.set(user.toLowerCase(), NOTIFICATION_KINDS.map((kind) => ({ channel: 'email', kind })), []);
  }
}
