import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { CurrentUser, Public, type AuthenticatedUser } from '../auth/auth.decorators';
import { CreatedUserDto, CreateUserDto, MeDto } from './dto/create-user.dto';
import { HandleParamDto, ProfileDto } from './dto/profile.dto';
import { RateLimited } from '../rate-limit/rate-limit';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('v1')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Public()
  @Post('users')
  @RateLimited('signUp')
  @HttpCode(201)
  @ApiCreatedResponse({ type: CreatedUserDto })
  @ApiConflictResponse({ description: 'handle taken' })
  @ApiTooManyRequestsResponse({ description: 'SIGNUP_RATE_LIMIT sign-ups from this address in the window; Retry-After says when to try again' })
  register(@Body() body: CreateUserDto): Promise<CreatedUserDto> {
    return this.users.register(body);
  }

  @ApiBearerAuth()
  @Get('me')
  me(@CurrentUser() user: AuthenticatedUser): Promise<MeDto> {
    return this.users.describe(user);
  }

  @ApiBearerAuth()
  @Get('users/:handle')
  @ApiOkResponse({ type: ProfileDto })
  @ApiNotFoundResponse({ description: 'no user has this handle' })
  profile(@CurrentUser() user: AuthenticatedUser, @Param() params: HandleParamDto): Promise<ProfileDto> {
    return this.users.profile(params.handle, user.id);
  }
}
