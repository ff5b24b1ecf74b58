import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
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
  @ApiProperty({ enum: ['upload.processed', 'upload.failed', 'followee.posted'] }) kind: string;
  @ApiProperty() uploadId: string;
  @ApiProperty({ type: ActorDto }) actor: ActorDto;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ nullable: true, type: Date }) readAt: Date | null;
}

export class NotificationPageDto {
  @ApiProperty({ type: [NotificationDto] }) items: NotificationDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
