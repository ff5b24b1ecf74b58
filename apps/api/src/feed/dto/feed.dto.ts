import { ApiProperty } from '@nestjs/swagger';
import { UploadDto } from '../../uploads/dto/upload.dto';

export class FeedOwnerDto {
  @ApiProperty() id: string;
  @ApiProperty() handle: string;
}

/** The same view as GET /v1/uploads/:id, and whose it is. */
export class FeedItemDto extends UploadDto {
  @ApiProperty({ type: FeedOwnerDto }) owner: FeedOwnerDto;
}

export class FeedPageDto {
  @ApiProperty({ type: [FeedItemDto] }) items: FeedItemDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
