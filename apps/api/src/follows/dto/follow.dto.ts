import { ApiProperty } from '@nestjs/swagger';

export class FollowListItemDto {
  @ApiProperty() id: string;
  @ApiProperty() handle: string;
  @ApiProperty({ nullable: true, type: String }) displayName: string | null;
  @ApiProperty({ description: 'when the follow began' }) followedAt: Date;
}

export class FollowListPageDto {
  @ApiProperty({ type: [FollowListItemDto] }) items: FollowListItemDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}
