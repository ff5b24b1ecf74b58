import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { NotificationKind, UploadNotificationKind } from '@darkroom/database';

/** The kinds endpoints and preferences are set for (webhook.disabled is always sent in the app, stream and e-mail). */
export const NOTIFICATION_KINDS: UploadNotificationKind[] = ['upload.processed', 'upload.failed', 'followee.posted'];

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://example.org/hooks/darkroom', description: 'http(s); refused if it is, or resolves to, a loopback, private or link-local address' })
  @IsString()
  @MaxLength(2000)
  url: string;

  @ApiPropertyOptional({ enum: NOTIFICATION_KINDS, isArray: true, description: 'the notification kinds to send; every kind when left out' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(NOTIFICATION_KINDS, { each: true, message: `each of kinds must be one of ${NOTIFICATION_KINDS.join(', ')}` })
  kinds?: UploadNotificationKind[];
}

export class WebhookDto {
  @ApiProperty() id: string;
  @ApiProperty() url: string;
  @ApiProperty({ enum: NOTIFICATION_KINDS, isArray: true }) kinds: UploadNotificationKind[];
  @ApiProperty({ description: 'false once darkroom gave up on an endpoint that kept failing' }) enabled: boolean;
  @ApiProperty({ nullable: true, type: String }) disabledReason: string | null;
  @ApiProperty() createdAt: Date;
}

export class CreatedWebhookDto extends WebhookDto {
  @ApiProperty({ description: 'Standard Webhooks signing secret (whsec_…); shown only here and on rotation' }) secret: string;
}

export class RotatedSecretDto {
  @ApiProperty({ description: 'the new signing secret (whsec_…), shown once' }) secret: string;
  @ApiProperty({ description: 'until then deliveries carry a signature by the previous secret too' }) previousSecretValidUntil: Date;
}

export class DeliveryDto {
  @ApiProperty({ description: 'also the webhook-id header of every attempt' }) id: string;
  @ApiProperty() notificationId: string;
  @ApiProperty({ enum: NOTIFICATION_KINDS }) kind: NotificationKind;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] }) status: 'pending' | 'delivered' | 'failed';
  @ApiProperty() attempts: number;
  @ApiProperty({ nullable: true, type: Number, description: "the receiver's status code at the last attempt" }) lastStatusCode: number | null;
  @ApiProperty({ nullable: true, type: String, description: 'what went wrong at the last attempt' }) lastError: string | null;
  @ApiProperty({ nullable: true, type: Date, description: 'when the next attempt is due (pending only)' }) nextAttemptAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) deliveredAt: Date | null;
  @ApiProperty() createdAt: Date;
}

export class DeliveryPageDto {
  @ApiProperty({ type: DeliveryDto, isArray: true }) items: DeliveryDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
