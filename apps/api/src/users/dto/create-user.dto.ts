import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { CreatedWebhookDto } from '../../webhooks/dto/webhook.dto';
import { IsCleanText } from '../../http/clean-text';

export const HANDLE_PATTERN = /^[a-z0-9_]{3,30}$/;
export const HANDLE_MESSAGE = 'handle must be 3-30 characters of a-z, 0-9 and _';

export class CreateUserDto {
  @ApiProperty({ example: 'ada_l', pattern: HANDLE_PATTERN.source })
  @IsString()
  @Matches(HANDLE_PATTERN, { message: HANDLE_MESSAGE })
  handle: string;

  @ApiPropertyOptional({ example: 'Ada Lovelace' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @IsCleanText()
  displayName?: string;

  @ApiPropertyOptional({ example: 'ada@example.org' })
  @IsOptional()
  @IsEmail()
  email?: string;

  @ApiPropertyOptional({ example: 'https://example.org/hooks/darkroom', description: 'registers your first webhook endpoint, for every kind (as POST /v1/webhooks)' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  webhookUrl?: string;
}

export class CreatedUserDto {
  @ApiProperty() id: string;
  @ApiProperty() handle: string;
  @ApiProperty({ description: 'Bearer token; shown once, stored only as a hash.' }) token: string;
  @ApiPropertyOptional({ type: CreatedWebhookDto, description: 'the endpoint registered from webhookUrl, with its secret (shown once)' }) webhook?: CreatedWebhookDto;
}

export class MeDto {
  @ApiProperty() id: string;
  @ApiProperty() handle: string;
  @ApiProperty({ nullable: true, type: String }) displayName: string | null;
  @ApiProperty({ nullable: true, type: String }) email: string | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ description: 'as GET /v1/notifications/unread-count' }) unreadNotifications: number;
}
