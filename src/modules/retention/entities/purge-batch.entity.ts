import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ArchiveLedger } from '../ledger/purge-batch-ledger';

/**
 * One batch of a purge. `prepared` is written before the customer transaction commits, with
 * that transaction's id; `committed` once its outcome is known (docs/retention.md, "exactly once").
 */
@Entity({ name: 'purge_batch' })
export class PurgeBatchEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) runId!: string;
  @Column({ type: 'uuid' }) runDatasetId!: string;
  @Column({ type: 'int' }) seq!: number;
  @Column({ type: 'text' }) state!: 'prepared' | 'committed';
  @Column({ type: 'text', nullable: true }) customerXid!: string | null;
  @Column({ type: 'jsonb', nullable: true }) keyFrom!: string[] | null;
  @Column({ type: 'jsonb', nullable: true }) keyTo!: string[] | null;
  @Column({ type: 'int' }) rowsScanned!: number;
  @Column({ type: 'int' }) rowsDeleted!: number;
  @Column({ type: 'int' }) rowsAnonymised!: number;
  @Column({ type: 'int' }) rowsHeld!: number;
  @Column({ type: 'int' }) rowsUndated!: number;
  /** Rows kept, per reason (`constraint:<name>`, `field:<key>`; ADR 0051). */
  @Column({ type: 'jsonb' }) rowsKept!: Record<string, number>;
  @Column({ type: 'int' }) durationMs!: number;
  /** What the batch moved to or expired from the intermediate archive (ADR 0052). */
  @Column({ type: 'jsonb', nullable: true }) archiveLedger!: ArchiveLedger | null;
  @Column({ type: 'timestamptz' }) createdAt!: Date;
  @Column({ type: 'timestamptz', nullable: true }) committedAt!: Date | null;
}
