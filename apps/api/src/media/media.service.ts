import { Injectable, NotFoundException } from '@nestjs/common';
import { thumbnailKey, VARIANT_NAMES } from '@darkroom/contracts';
import { UploadEntity, UploadsRepository } from '@darkroom/database';
import { PhotoStore, StoredFile } from '@darkroom/storage';
import { notFound } from '../uploads/uploads.service';

export interface MediaFile extends StoredFile {
  /** Storage key, the file's path under STORAGE_DIR. */
  key: string;
  mime: string;
  etag: string;
}

/** Who is asking: a user (visibility rules apply) or the holder of a signed URL for this exact path. */
export type Viewer = { userId: string } | { signedUrl: true };

@Injectable()
export class MediaService {
  constructor(
    private readonly uploads: UploadsRepository,
    private readonly store: PhotoStore,
  ) {}

  async thumbnail(uploadId: string, variant: string, viewer: Viewer): Promise<MediaFile> {
    if (!(VARIANT_NAMES as readonly string[]).includes(variant)) {
      throw new NotFoundException(`no variant "${variant}"; variants are ${VARIANT_NAMES.join(', ')}`);
    }
    const upload = await this.visible(uploadId, viewer);
    const key = thumbnailKey(upload.id, variant);
    const file = await this.store.read(key);
    if (!file) throw new NotFoundException(`variant "${variant}" of upload ${uploadId} is not ready (status: ${upload.status})`);
    return { ...file, key, mime: 'image/webp', etag: `"${upload.id}-${variant}-${file.bytes}-${file.modifiedAt.getTime()}"` };
  }

  async original(uploadId: string, viewer: Viewer): Promise<MediaFile> {
    const upload = await this.visible(uploadId, viewer);
    const file = await this.store.read(upload.originalKey);
    if (!file) throw notFound(uploadId);
    // The bytes under an upload's original key never change, so its id is a strong validator from the first byte.
    return { ...file, key: upload.originalKey, mime: upload.mime, etag: `"${upload.id}"` };
  }

  private async visible(uploadId: string, viewer: Viewer): Promise<UploadEntity> {
    const upload = 'userId' in viewer ? await this.uploads.findVisible(uploadId, viewer.userId) : await this.uploads.findById(uploadId);
    if (!upload) throw notFound(uploadId);
    return upload;
  }
}
