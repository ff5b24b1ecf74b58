import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import type { UserEntity } from '@darkroom/database';
import { CurrentUser, Public } from '../auth/auth.decorators';
import { CreatedUserDto, CreateUserDto, MeDto } from './dto/create-user.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('v1')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Public()
  @Post('users')
  @HttpCode(201)
  @ApiCreatedResponse({ type: CreatedUserDto })
  @ApiConflictResponse({ description: 'handle taken' })
  register(@Body() body: CreateUserDto): Promise<CreatedUserDto> {
    return this.users.register(body);
  }

  @ApiBearerAuth()
  @Get('me')
  me(@CurrentUser() user: UserEntity): Promise<MeDto> {
    return this.users.describe(user);
  }
}
