import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsCleanText } from '../../http/clean-text';

export class UploadFormDto {
  @ApiProperty({ type: 'string', format: 'binary', description: 'the photo (JPEG, PNG, WebP, GIF, TIFF or AVIF)' })
  file: unknown;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @IsCleanText({ lineBreaks: true })
  caption?: string;
}

export class AcceptedUploadDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['queued'] }) status: 'queued';
}

export class ThumbnailDto {
  @ApiProperty({ enum: ['thumb', 'small', 'large'] }) variant: string;
  @ApiProperty() width: number;
  @ApiProperty() height: number;
  @ApiProperty() bytes: number;
  @ApiProperty({ description: 'signed, expiring URL; works without a bearer header' }) url: string;
}

export class UploadDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: ['queued', 'processing', 'done', 'failed'] }) status: string;
  @ApiProperty({ nullable: true, type: String }) caption: string | null;
  @ApiProperty({ nullable: true, type: String }) originalName: string | null;
  @ApiProperty() mime: string;
  @ApiProperty() bytes: number;
  @ApiProperty({ nullable: true, type: Number }) width: number | null;
  @ApiProperty({ nullable: true, type: Number }) height: number | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'ThumbHash (https://evanw.github.io/thumbhash/) of the photo, base64: a blurred placeholder to paint while a thumbnail loads; null until done',
    example: '1QcSHQRnh493V4dIh4eXh1h4kJUI',
  })
  thumbhash: string | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ nullable: true, type: Date }) processedAt: Date | null;
  @ApiProperty({ nullable: true, type: String }) failureReason: string | null;
  @ApiProperty({ type: [ThumbnailDto] }) thumbnails: ThumbnailDto[];
  @ApiProperty({ description: 'signed, expiring URL of the original' }) originalUrl: string;
}

export class UploadPageDto {
  @ApiProperty({ type: [UploadDto] }) items: UploadDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class PageQueryDto {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}
