import { Controller, Get, Param, ParseUUIDPipe, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppConfig } from '@darkroom/config';
import { AllowSignedUrl } from '../auth/auth.decorators';
import type { AuthenticatedRequest } from '../auth/auth.decorators';
import { MediaFile, MediaService, Viewer } from './media.service';

@ApiTags('media')
@ApiBearerAuth()
@ApiQuery({ name: 'exp', required: false, description: 'expiry of a signed URL (unix seconds)' })
@ApiQuery({ name: 'sig', required: false, description: 'signature of a signed URL' })
@AllowSignedUrl()
@Controller('v1/uploads/:id')
export class MediaController {
  constructor(
    private readonly media: MediaService,
    private readonly config: AppConfig,
  ) {}

  @Get('thumbnails/:variant')
  @ApiProduces('image/webp')
  @ApiOkResponse({ description: 'the thumbnail bytes' })
  async thumbnail(
    @Param('id', new ParseUUIDPipe({ version: '4' })) id: string,
    @Param('variant') variant: string,
    @Req() req: AuthenticatedRequest,
    @Res() res: Response,
  ): Promise<void> {
    const file = await this.media.thumbnail(id, variant, viewerOf(req));
    const prefix = this.config.api.accelRedirectPrefix;
    if (prefix) handOver(res, file, prefix);
    else send(req, res, file);
  }

  @Get('original')
  @ApiOkResponse({ description: 'the original bytes, as uploaded' })
  async original(@Param('id', new ParseUUIDPipe({ version: '4' })) id: string, @Req() req: AuthenticatedRequest, @Res() res: Response): Promise<void> {
    send(req, res, await this.media.original(id, viewerOf(req)));
  }
}

function viewerOf(req: AuthenticatedRequest): Viewer {
  return req.user ? { userId: req.user.id } : { signedUrl: true };
}

// Files under a key never change (a new upload gets a new id), but access can be revoked: private.
const CACHE_CONTROL = 'private, max-age=3600';

/**
 * Behind nginx: access is decided here, the bytes are sent by nginx from the
 * shared volume (X-Accel-Redirect to its internal location for STORAGE_DIR),
 * with its own ETag, Last-Modified, 304s and ranges. nginx keeps this
 * Cache-Control; it takes the type from the file's .webp extension.
 */
function handOver(res: Response, file: MediaFile, prefix: string): void {
  file.stream.destroy();
  res.setHeader('Cache-Control', CACHE_CONTROL);
  res.setHeader('X-Accel-Redirect', `${prefix}/${file.key}`);
  res.status(200).end();
}

/** Streams the file with its type, length and ETag; answers 304 to a matching If-None-Match. */
function send(req: AuthenticatedRequest, res: Response, file: MediaFile): void {
  res.setHeader('Cache-Control', CACHE_CONTROL);
  res.setHeader('ETag', file.etag);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (req.headers['if-none-match'] === file.etag) {
    file.stream.destroy();
    res.status(304).end();
    return;
  }
  res.setHeader('Content-Type', file.mime);
  res.setHeader('Content-Length', String(file.bytes));
  file.stream.on('error', () => res.destroy());
  file.stream.pipe(res);
}
