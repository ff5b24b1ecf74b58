import { Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type AuthenticatedUser } from '../auth/auth.decorators';
import { PageQueryDto } from '../uploads/dto/upload.dto';
import { HandleParamDto } from '../users/dto/profile.dto';
import { FollowListPageDto } from './dto/follow.dto';
import { FollowsService } from './follows.service';

@ApiTags('follows')
@ApiBearerAuth()
@Controller('v1/users/:handle')
export class FollowsController {
  constructor(private readonly follows: FollowsService) {}

  @Put('follow')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'following (also when already following)' })
  @ApiBadRequestResponse({ description: 'malformed handle, or your own' })
  @ApiNotFoundResponse({ description: 'no user has this handle' })
  follow(@CurrentUser() user: AuthenticatedUser, @Param() params: HandleParamDto): Promise<void> {
    return this.follows.follow(user, params.handle);
  }

  @Delete('follow')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'not following (also when not following before)' })
  @ApiBadRequestResponse({ description: 'malformed handle, or your own' })
  @ApiNotFoundResponse({ description: 'no user has this handle' })
  unfollow(@CurrentUser() user: AuthenticatedUser, @Param() params: HandleParamDto): Promise<void> {
    return this.follows.unfollow(user, params.handle);
  }

  @Get('followers')
  @ApiOkResponse({ type: FollowListPageDto, description: 'newest follow first' })
  followers(@Param() params: HandleParamDto, @Query() query: PageQueryDto): Promise<FollowListPageDto> {
    return this.follows.followers(params.handle, query.cursor, query.limit);
  }

  @Get('following')
  @ApiOkResponse({ type: FollowListPageDto, description: 'newest follow first' })
  following(@Param() params: HandleParamDto, @Query() query: PageQueryDto): Promise<FollowListPageDto> {
    return this.follows.following(params.handle, query.cursor, query.limit);
  }
}
