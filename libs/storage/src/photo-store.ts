import type { Readable, Writable } from 'node:stream';

export interface StoredFile {
  stream: Readable;
  bytes: number;
  modifiedAt: Date;
}

export interface TempFile {
  /** Opaque handle: pass it back to commitTemp or discardTemp. */
  id: string;
  stream: Writable;
}

/**
 * Where originals and thumbnails live. Keys are built from ids only
 * (libs/contracts storage-keys); a key never comes from a client.
 */
export abstract class PhotoStore {
  /** A file in the store's scratch area, for streaming an upload before it is accepted. */
  abstract createTemp(): TempFile;
  /** Moves a finished temp file to `key` in one step (rename), so readers never see half a file. */
  abstract commitTemp(tempId: string, key: string): Promise<void>;
  abstract discardTemp(tempId: string): Promise<void>;
  /** Local path of a temp file or key, for libraries (sharp) that read files themselves. */
  abstract localPath(tempIdOrKey: string): string;
  /** Atomic write: a temp file renamed into place. */
  abstract write(key: string, data: Buffer): Promise<void>;
  /** null when the key does not exist. */
  abstract read(key: string): Promise<StoredFile | null>;
  abstract delete(key: string): Promise<void>;
  /** Removes the directory `dirKey` if it is empty (the folder of a deleted upload's thumbnails); absent is fine. */
  abstract prune(dirKey: string): Promise<void>;
  /** Every file under `dirKey` (at any depth) last written before `before`, a batch at a time; absent is empty. */
  abstract filesWrittenBefore(dirKey: string, before: Date): AsyncIterable<string[]>;
  /** Throws when the store cannot be written (health check). */
  abstract checkWritable(): Promise<void>;
}
