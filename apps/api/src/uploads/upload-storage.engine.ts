import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import { PhotoStore } from '@darkroom/storage';

/** What multer hands the controller: the bytes are on the volume already, never in memory. */
export interface ReceivedFile extends Express.Multer.File {
  tempId: string;
  sha256: string;
}

/**
 * Streams each uploaded part into a temp file on the photo volume, hashing as
 * it goes. Multer enforces the size limit on the stream and calls _removeFile
 * for anything it aborts, so a rejected upload leaves no file behind.
 */
export class UploadStorageEngine implements StorageEngine {
  constructor(private readonly store: PhotoStore) {}

  _handleFile(_req: Request, file: Express.Multer.File, callback: (error?: unknown, info?: Partial<ReceivedFile>) => void): void {
    const temp = this.store.createTemp();
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, next) {
        size += chunk.length;
        hash.update(chunk);
        next(null, chunk);
      },
    });
    pipeline(file.stream, meter, temp.stream).then(
      () => callback(null, { tempId: temp.id, size, sha256: hash.digest('hex') }),
      (error: unknown) => {
        void this.store.discardTemp(temp.id);
        callback(error);
      },
    );
  }

  _removeFile(_req: Request, file: Express.Multer.File, callback: (error: Error | null) => void): void {
    const tempId = (file as Partial<ReceivedFile>).tempId;
    if (!tempId) return callback(null);
    this.store.discardTemp(tempId).then(
      () => callback(null),
      (error: Error) => callback(error),
    );
  }
}
