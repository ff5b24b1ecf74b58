import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { HANDLE_MESSAGE, HANDLE_PATTERN } from './create-user.dto';

/** `:handle` of /v1/users/:handle/…: a malformed one is a 400, never a lookup. */
export class HandleParamDto {
  @ApiProperty({ example: 'ada_l', pattern: HANDLE_PATTERN.source })
  @IsString()
  @Matches(HANDLE_PATTERN, { message: HANDLE_MESSAGE })
  handle: string;
}

export class ProfileDto {
  @ApiProperty() id: string;
  @ApiProperty() handle: string;
  @ApiProperty({ nullable: true, type: String }) displayName: string | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ description: 'people who follow this user' }) followers: number;
  @ApiProperty({ description: 'people this user follows' }) following: number;
  @ApiProperty({ description: 'done uploads' }) uploads: number;
  @ApiProperty({ description: 'whether the caller follows this user' }) followedByMe: boolean;
}
