import { Column, Entity, PrimaryColumn } from 'typeorm';

export type UploadStatus = 'queued' | 'processing' | 'done' | 'failed';

@Entity('uploads')
export class UploadEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'owner_id', type: 'uuid' })
  ownerId: string;

  @Column({ type: 'text', nullable: true })
  caption: string | null;

  @Column({ name: 'original_key', type: 'text' })
  originalKey: string;

  @Column({ name: 'original_name', type: 'text', nullable: true })
  originalName: string | null;

  @Column({ type: 'text' })
  mime: string;

  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  bytes: number;

  /** Of the original's bytes, hex; computed by the worker that develops it, so null until then. */
  @Column({ type: 'text', nullable: true })
  sha256: string | null;

  @Column({ type: 'int', nullable: true })
  width: number | null;

  @Column({ type: 'int', nullable: true })
  height: number | null;

  /** ThumbHash of the developed photo, base64; null until done. */
  @Column({ type: 'text', nullable: true })
  thumbhash: string | null;

  @Column({ type: 'text' })
  status: UploadStatus;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason: string | null;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  /** Attempts whose worker died before finishing or letting go of the upload. */
  @Column({ name: 'interrupted_attempts', type: 'int', default: 0 })
  interruptedAttempts: number;

  /** The pipeline's last sign of life for an unfinished upload (accepted, attempt begun or let go, published again). */
  @Column({ name: 'touched_at', type: 'timestamptz', default: () => 'now()' })
  touchedAt: Date;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt: Date | null;
}
