import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('thumbnails')
export class ThumbnailEntity {
  @PrimaryColumn({ name: 'upload_id', type: 'uuid' })
  uploadId: string;

  @PrimaryColumn({ type: 'text' })
  variant: string;

  @Column({ type: 'text' })
  key: string;

  @Column({ type: 'text' })
  mime: string;

  @Column({ type: 'int' })
  width: number;

  @Column({ type: 'int' })
  height: number;

  @Column({ type: 'int' })
  bytes: number;
}
