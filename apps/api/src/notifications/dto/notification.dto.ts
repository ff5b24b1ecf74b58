import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  Equals,
  IsArray,
  IsDefined,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  ValidateIf,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
  Validate,
} from 'class-validator';
import { PageQueryDto } from '../../uploads/dto/upload.dto';

export class NotificationQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'only unread notifications' })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'unread must be true or false' })
  unread?: 'true' | 'false';
}

export class ActorDto {
  @ApiProperty() handle: string;
}

export class NotificationDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['upload.processed', 'upload.failed', 'followee.posted', 'webhook.disabled'] }) kind: string;
  @ApiProperty({ nullable: true, type: String, description: 'null for webhook.disabled (see GET /v1/webhooks for which endpoint)' }) uploadId: string | null;
  @ApiProperty({ type: ActorDto }) actor: ActorDto;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ nullable: true, type: Date }) readAt: Date | null;
}

export class NotificationPageDto {
  @ApiProperty({ type: [NotificationDto] }) items: NotificationDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

@ValidatorConstraint({ name: 'notTogetherWith' })
class NotTogetherWith implements ValidatorConstraintInterface {
  validate(_value: unknown, args: ValidationArguments): boolean {
    return (args.object as Record<string, unknown>)[args.constraints[0] as string] === undefined;
  }
}

/** Either some notifications by id, or all of them; never both. */
export class MarkReadDto {
  @ApiPropertyOptional({ type: [String], format: 'uuid', minItems: 1, maxItems: 100, description: 'ids of the caller\'s notifications; others\' and unknown ones are ignored' })
  @ValidateIf((body: MarkReadDto) => body.all === undefined)
  @IsDefined({ message: 'send {"ids": [...]} with 1 to 100 notification ids, or {"all": true}' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true, message: 'each of ids must be a UUID' })
  ids?: string[];

  @ApiPropertyOptional({ enum: [true], description: 'every unread notification of the caller' })
  @ValidateIf((body: MarkReadDto) => body.all !== undefined)
  @Equals(true, { message: 'all must be true' })
  @Validate(NotTogetherWith, ['ids'], { message: 'send either ids or all, not both' })
  all?: true;
}

export class UnreadCountDto {
  @ApiProperty({ description: 'the caller\'s unread notifications' }) unread: number;
}

export class StreamTicketDto {
  @ApiProperty({ description: 'for GET /v1/notifications/stream?ticket=; single use' }) ticket: string;
  @ApiProperty() expiresAt: Date;
}

export class StreamQueryDto {
  @ApiPropertyOptional({ description: 'from POST /v1/notifications/tickets, instead of a bearer header (EventSource cannot send one)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  ticket?: string;

  @ApiPropertyOptional({ description: 'the id of the last notification seen, for a new EventSource (a reconnecting one sends the Last-Event-ID header)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  lastEventId?: string;
}
