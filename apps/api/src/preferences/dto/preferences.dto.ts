import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsOptional, ValidateNested } from 'class-validator';

/** One channel's switches, per notification kind; true is on. */
export class KindSwitchesDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() 'upload.processed'?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() 'upload.failed'?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() 'followee.posted'?: boolean;
}

/**
 * Where notifications reach you, per channel and kind. In a PUT, what is left out stays as it is.
 * inApp: GET /v1/notifications and the unread count; stream: the live stream; webhook: your endpoints; email.
 */
export class PreferencesDto {
  @ApiPropertyOptional({ type: KindSwitchesDto }) @IsOptional() @ValidateNested() @Type(() => KindSwitchesDto) inApp?: KindSwitchesDto;
  @ApiPropertyOptional({ type: KindSwitchesDto }) @IsOptional() @ValidateNested() @Type(() => KindSwitchesDto) stream?: KindSwitchesDto;
  @ApiPropertyOptional({ type: KindSwitchesDto }) @IsOptional() @ValidateNested() @Type(() => KindSwitchesDto) webhook?: KindSwitchesDto;
  @ApiPropertyOptional({ type: KindSwitchesDto }) @IsOptional() @ValidateNested() @Type(() => KindSwitchesDto) email?: KindSwitchesDto;
}
