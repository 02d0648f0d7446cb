import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export interface UnregisteredColumn {
  schema: string;
  table: string;
  column: string;
  dataType: string;
  /** The registered dataset this column belongs to, or null when its table is not registered at all. */
  dataset: string | null;
  /** The key the field would get; null when a name is no SQL identifier (the column cannot be registered). */
  suggestedKey: string | null;
  /** False when schema, table or column is outside the register's identifier alphabet (spaces, hyphens…). */
  registrable: boolean;
  likelyPersonal: boolean;
  suggestedCategory: string | null;
  reason: string | null;
}

export interface MissingColumn {
  key: string;
  dataset: string;
  column: string;
}

/** The result of one catalogue scan of a postgres system (the last one feeds the compliance gaps). */
@Entity({ name: 'system_scan' })
export class SystemScanEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  systemId!: string;

  @Column({ type: 'timestamptz' })
  scannedAt!: Date;

  @Column({ type: 'text' })
  scannedBy!: string;

  @Column({ type: 'jsonb' })
  schemas!: string[];

  @Column({ type: 'int' })
  columnCount!: number;

  @Column({ type: 'jsonb' })
  unregistered!: UnregisteredColumn[];

  @Column({ type: 'jsonb' })
  missing!: MissingColumn[];

  /** Keys (registered or not) of the scanned columns declared NOT NULL (ADR 0051). */
  @Column({ type: 'jsonb' })
  notNull!: string[];
}
