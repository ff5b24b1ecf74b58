import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser, type AuthenticatedUser } from '../auth/auth.decorators';
import { PreferencesDto } from './dto/preferences.dto';
import { PreferencesService } from './preferences.service';

@ApiTags('preferences')
@ApiBearerAuth()
@Controller('v1/me/preferences')
export class PreferencesController {
  constructor(private readonly preferences: PreferencesService) {}

  @Get()
  @ApiOkResponse({ type: PreferencesDto, description: 'every channel and kind: true is on (the default)' })
  get(@CurrentUser() user: AuthenticatedUser): Promise<PreferencesDto> {
    return this.preferences.get(user);
  }

  @Put()
  @ApiOkResponse({ type: PreferencesDto, description: 'the preferences after the change; what the body leaves out is unchanged' })
  @ApiBadRequestResponse({ description: 'an unknown channel or kind, or a value that is not true or false' })
  update(@CurrentUser() user: AuthenticatedUser, @Body() body: PreferencesDto): Promise<PreferencesDto> {
    return this.preferences.update(user, body);
  }
}
