import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { SystemKind } from '../inventory.model';

/** An application or data store holding personal data. Secrets are stored encrypted (SecretCipher). */
@Entity({ name: 'inventory_system' })
export class InventorySystemEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('inventory_system_code_key', { unique: true })
  @Column({ type: 'text' })
  code!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'text', nullable: true })
  owner!: string | null;

  @Column({ type: 'text', nullable: true })
  hostingLocation!: string | null;

  @Column({ type: 'text', nullable: true })
  hostingCountry!: string | null;

  @Column({ type: 'text' })
  kind!: SystemKind;

  @Column({ type: 'text', nullable: true })
  connectionStringEncrypted!: string | null;

  @Column({ type: 'text', nullable: true })
  webhookUrl!: string | null;

  @Column({ type: 'text', nullable: true })
  webhookSecretEncrypted!: string | null;

  @Column({ type: 'text', nullable: true })
  retentionSchedule!: string | null;

  /** The processor (art. 28) operating the system for the controller; null: operated in-house. */
  @Column({ type: 'text', nullable: true })
  processorCode!: string | null;

  @Column({ type: 'int' })
  version!: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ type: 'text' })
  createdBy!: string;

  @Column({ type: 'text' })
  updatedBy!: string;
}
