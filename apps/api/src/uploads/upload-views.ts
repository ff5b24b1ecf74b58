import { Injectable } from '@nestjs/common';
import { ThumbnailEntity, UploadEntity, UploadsRepository } from '@darkroom/database';
import { UrlSigner } from '../auth/url-signer';
import { UploadDto } from './dto/upload.dto';

/**
 * An upload as clients see it, with freshly signed URLs: GET /v1/uploads/:id, the caller's list and
 * the feed all answer with this one shape. Signing happens per response, never ahead of it, so a
 * cached page of ids cannot hand out an expired link.
 */
@Injectable()
export class UploadViews {
  constructor(
    private readonly uploads: UploadsRepository,
    private readonly signer: UrlSigner,
  ) {}

  /** One thumbnails query for the whole batch; the views keep the order of `uploads`. */
  async of(uploads: UploadEntity[]): Promise<UploadDto[]> {
    const thumbnails = await this.uploads.thumbnailsOf(uploads.map((u) => u.id));
    return uploads.map((u) => this.view(u, thumbnails.filter((t) => t.uploadId === u.id)));
  }

  private view(u: UploadEntity, thumbnails: ThumbnailEntity[]): UploadDto {
    return {
      id: u.id,
      status: u.status,
      caption: u.caption,
      originalName: u.originalName,
      mime: u.mime,
      bytes: u.bytes,
      width: u.width,
      height: u.height,
      thumbhash: u.thumbhash,
      createdAt: u.createdAt,
      processedAt: u.processedAt,
      failureReason: u.failureReason,
      thumbnails: thumbnails.map((t) => ({
        variant: t.variant,
        width: t.width,
        height: t.height,
        bytes: t.bytes,
        url: this.signer.sign(`/v1/uploads/${u.id}/thumbnails/${t.variant}`),
      })),
      originalUrl: this.signer.sign(`/v1/uploads/${u.id}/original`),
    };
  }
}
