import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('deliveries')
export class DeliveryEntity {
  @PrimaryColumn({ name: 'notification_id', type: 'uuid' })
  notificationId: string;

  @PrimaryColumn({ type: 'text' })
  channel: 'webhook' | 'email';

  @Column({ type: 'text' })
  status: string;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;
}
