import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Logger } from '@nestjs/common';
import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import { PhotoStore } from '@darkroom/storage';
import type { UploadsInFlight } from './uploads-in-flight';
import { asVolumeFull } from './volume-full';

/** What multer hands the controller: the bytes are on the volume already, never in memory. */
export interface ReceivedFile extends Express.Multer.File {
  tempId: string;
}

/**
 * Streams each uploaded part into a temp file on the photo volume, counting
 * its bytes. (No hash here: the worker computes the original's sha256, see
 * apps/worker/src/original-checksum.ts.) Multer enforces the size limit on the stream and calls _removeFile
 * for anything it aborts, so a rejected upload leaves no file behind. Each
 * file being received is registered in `inFlight`, which aborts it on shutdown.
 * A volume that runs out of space (ENOSPC, EDQUOT) mid-write is answered 507:
 * an HttpException, which multer's transformException passes through as it is.
 */
export class UploadStorageEngine implements StorageEngine {
  private readonly logger = new Logger(UploadStorageEngine.name);

  constructor(
    private readonly store: PhotoStore,
    private readonly inFlight?: UploadsInFlight,
  ) {}

  _handleFile(req: Request, file: Express.Multer.File, callback: (error?: unknown, info?: Partial<ReceivedFile>) => void): void {
    const temp = this.store.createTemp();
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, next) {
        size += chunk.length;
        next(null, chunk);
      },
    });
    // Not pipeline(file.stream, …): that destroys the part's stream with a write error, and multer, which
    // listens on it, would fail the request with the raw error (a 500) before our callback could say 507.
    // A part that fails itself (the client went away, a malformed body) still ends the write here.
    file.stream.once('error', (error) => meter.destroy(error));
    file.stream.pipe(meter);
    const settled = pipeline(meter, temp.stream).then(
      () => callback(null, { tempId: temp.id, size }),
      async (error: unknown) => {
        // The rest of the part is read and dropped, so that multer can finish the request and answer it.
        file.stream.unpipe(meter);
        file.stream.resume();
        await this.store.discardTemp(temp.id).catch(() => undefined);
        callback(asVolumeFull(error, 'receiving', this.logger));
      },
    );
    this.inFlight?.track(req, settled);
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
