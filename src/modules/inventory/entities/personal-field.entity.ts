import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Anonymisation, DataCategory } from '../inventory.model';

/** One personal-data column of a dataset, keyed `<system>.<table>.<column>`. */
@Entity({ name: 'personal_field' })
@Index('personal_field_dataset_column_key', ['datasetId', 'columnName'], { unique: true })
export class PersonalFieldEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('personal_field_key_key', { unique: true })
  @Column({ type: 'text' })
  key!: string;

  @Column({ type: 'uuid' })
  datasetId!: string;

  @Column({ type: 'text' })
  columnName!: string;

  @Column({ type: 'text' })
  dataCategory!: DataCategory;

  /** Art. 9/10 category; derived from dataCategory on every write, stored for filtering. */
  @Column({ type: 'boolean' })
  special!: boolean;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  /** Declared strategy; null means the default of the data category. */
  @Column({ type: 'jsonb', nullable: true })
  anonymisation!: Anonymisation | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
