import { randomUUID } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { PhotoStore, StoredFile, TempFile } from './photo-store';

/**
 * A PhotoStore in memory, for specs of services that store photos. It keeps
 * the volume's contract: temp files are invisible until committed, keys map
 * to bytes, and `failCommit` makes the next commits fail (a full disk).
 */
export class MemoryPhotoStore extends PhotoStore {
  readonly temps = new Map<string, Buffer>();
  readonly files = new Map<string, Buffer>();
  /** When each file was written; `write` stamps now, a spec may backdate. */
  readonly writtenAt = new Map<string, Date>();
  failCommit?: Error;

  /** A finished temp file, as the upload storage engine leaves one. */
  received(tempId: string, data: Buffer): void {
    this.temps.set(tempId, data);
  }

  createTemp(): TempFile {
    const id = `tmp/${randomUUID()}`;
    const chunks: Buffer[] = [];
    this.temps.set(id, Buffer.alloc(0));
    const stream = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        chunks.push(chunk);
        this.temps.set(id, Buffer.concat(chunks));
        done();
      },
    });
    return { id, stream };
  }

  async commitTemp(tempId: string, key: string): Promise<void> {
    if (this.failCommit) throw this.failCommit;
    const data = this.temps.get(tempId);
    if (!data) throw new Error(`no temp file ${tempId}`);
    this.temps.delete(tempId);
    this.files.set(key, data);
    this.writtenAt.set(key, new Date());
  }

  async discardTemp(tempId: string): Promise<void> {
    this.temps.delete(tempId);
  }

  localPath(tempIdOrKey: string): string {
    return `/memory/${tempIdOrKey}`;
  }

  async write(key: string, data: Buffer): Promise<void> {
    this.files.set(key, data);
    this.writtenAt.set(key, new Date());
  }

  async read(key: string): Promise<StoredFile | null> {
    const data = this.files.get(key);
    return data ? { stream: Readable.from([data]), bytes: data.length, modifiedAt: new Date(0) } : null;
  }

  async prune(): Promise<void> {
    // a Map has no directories
  }

  async delete(key: string): Promise<void> {
    this.files.delete(key);
    this.writtenAt.delete(key);
  }

  async *filesWrittenBefore(dirKey: string, before: Date): AsyncIterable<string[]> {
    const keys = [...this.files.keys()].filter((key) => key.startsWith(`${dirKey}/`) && (this.writtenAt.get(key) ?? new Date(0)) < before);
    if (keys.length > 0) yield keys;
  }

  async checkWritable(): Promise<void> {}
}
