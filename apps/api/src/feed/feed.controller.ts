import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type AuthenticatedUser } from '../auth/auth.decorators';
import { PageQueryDto } from '../uploads/dto/upload.dto';
import { FeedPageDto } from './dto/feed.dto';
import { FeedService } from './feed.service';

@ApiTags('feed')
@ApiBearerAuth()
@Controller('v1/feed')
export class FeedController {
  constructor(private readonly feed: FeedService) {}

  @Get()
  @ApiOkResponse({ type: FeedPageDto, description: 'done uploads of the people you follow, newest first' })
  page(@CurrentUser() user: AuthenticatedUser, @Query() query: PageQueryDto): Promise<FeedPageDto> {
    return this.feed.page(user.id, query.cursor, query.limit);
  }
}
