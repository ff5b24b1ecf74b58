import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UploadedFile, UseFilters, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiConsumes, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { UserEntity } from '@darkroom/database';
import { CurrentUser } from '../auth/auth.decorators';
import { RequestId } from '../http/request-id.decorator';
import { AcceptedUploadDto, PageQueryDto, UploadDto, UploadFormDto, UploadPageDto } from './dto/upload.dto';
import { RateLimited } from '../rate-limit/rate-limit';
import { UploadLimitsFilter } from './upload-limits.filter';
import type { ReceivedFile } from './upload-storage.engine';
import { UploadsService } from './uploads.service';

@ApiTags('uploads')
@ApiBearerAuth()
@Controller('v1/uploads')
export class UploadsController {
  constructor(private readonly uploads: UploadsService) {}

  @Post()
  @HttpCode(202)
  @RateLimited('uploads')
  @UseInterceptors(FileInterceptor('file'))
  @UseFilters(UploadLimitsFilter)
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: UploadFormDto })
  @ApiAcceptedResponse({ type: AcceptedUploadDto, description: 'stored and queued; poll GET /v1/uploads/{id}' })
  @ApiTooManyRequestsResponse({ description: 'UPLOAD_RATE_LIMIT uploads by this user in the window; Retry-After says when to try again' })
  upload(
    @CurrentUser() user: UserEntity,
    @UploadedFile() file: ReceivedFile | undefined,
    @Body() form: UploadFormDto,
    @RequestId() requestId: string,
  ): Promise<AcceptedUploadDto> {
    if (!file) throw new BadRequestException('send the photo as multipart/form-data in a field named "file"');
    return this.uploads.accept(user.id, file, form.caption, requestId);
  }

  @Get()
  @ApiOkResponse({ type: UploadPageDto })
  list(@CurrentUser() user: UserEntity, @Query() query: PageQueryDto): Promise<UploadPageDto> {
    return this.uploads.list(user.id, query.cursor, query.limit);
  }

  @Get(':id')
  @ApiOkResponse({ type: UploadDto })
  get(@CurrentUser() user: UserEntity, @Param('id', new ParseUUIDPipe({ version: '4' })) id: string): Promise<UploadDto> {
    return this.uploads.get(id, user.id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'the upload, its files and every notification about it are gone' })
  @ApiNotFoundResponse({ description: 'no such upload of yours' })
  remove(@CurrentUser() user: UserEntity, @Param('id', new ParseUUIDPipe({ version: '4' })) id: string): Promise<void> {
    return this.uploads.remove(id, user.id);
  }
}
