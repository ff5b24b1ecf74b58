import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('users')
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text', unique: true })
  handle: string;

  @Column({ name: 'display_name', type: 'text', nullable: true })
  displayName: string | null;

  /** sha256 of the bearer token: the token itself is shown once and never stored. */
  @Column({ name: 'api_token_hash', type: 'text', unique: true })
  apiTokenHash: string;

  @Column({ type: 'text', nullable: true })
  email: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
