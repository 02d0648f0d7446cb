import type { ReferencedRowsMode } from '../inventory.model';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export interface TimestampColumns {
  collection?: string;
  lastInteraction?: string;
  contractEnd?: string;
}

/** A table of a system (`schema.table`), with what retention needs to find a subject's rows and dates. */
@Entity({ name: 'inventory_dataset' })
@Index('inventory_dataset_system_name_key', ['systemId', 'name'], { unique: true })
export class InventoryDatasetEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  systemId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'jsonb' })
  primaryKey!: string[];

  @Column({ type: 'text', nullable: true })
  subjectColumn!: string | null;

  @Column({ type: 'jsonb' })
  timestampColumns!: TimestampColumns;

  /** `schema.table` of the dataset's intermediate archive, same database (ADR 0052). */
  @Column({ type: 'text', nullable: true })
  archiveTable!: string | null;

  /** What a purge does with rows other rows still reference (ADR 0051). */
  @Column({ type: 'text', default: 'anonymise' })
  referencedRows!: ReferencedRowsMode;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
