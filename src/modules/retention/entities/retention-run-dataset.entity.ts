import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { RunDatasetStatus } from '../ledger/run-dataset-state';
import { bigintAsNumber } from './bigint.transformer';

// The statuses and their transitions live with the state machine (ledger/run-dataset-state.ts).
export { FINISHED_DATASET_STATUSES, type RunDatasetStatus } from '../ledger/run-dataset-state';
export type ExecutorKind = 'postgres' | 'mysql' | 'webhook' | 'manual';

/**
 * Why something a run would purge was kept (legal hold, legal obligation, or rows Finalité cannot
 * locate: a dataset without a subject column in a subject-level run, or under a subject hold),
 * never values.
 */
export interface RetentionExemption {
  kind:
    'legal_hold' | 'legal_obligation' | 'subject_not_locatable' | 'referenced_rows' | 'field_not_purgeable';
  /** `referenced_rows`: the referencing foreign key. */
  constraint?: string;
  reason: string;
  holdId?: string;
  purposeCode?: string;
  fields?: string[];
}

/** Progress of one dataset within a run: the committed cursor and the counts so far. */
@Entity({ name: 'retention_run_dataset' })
export class RetentionRunDatasetEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) runId!: string;
  @Column({ type: 'int' }) position!: number;
  @Column({ type: 'boolean' }) dryRun!: boolean;
  @Column({ type: 'text' }) systemCode!: string;
  @Column({ type: 'text' }) datasetId!: string;
  @Column({ type: 'text' }) datasetName!: string;
  @Column({ type: 'text' }) executor!: ExecutorKind;
  @Column({ type: 'text' }) status!: RunDatasetStatus;
  /** Primary-key values (as text) of the last row of the last committed batch. */
  @Column({ type: 'jsonb', nullable: true }) cursor!: string[] | null;
  @Column({ type: 'int' }) batches!: number;
  @Column({ type: 'bigint', transformer: bigintAsNumber }) rowsScanned!: number;
  @Column({ type: 'bigint', transformer: bigintAsNumber }) rowsDeleted!: number;
  @Column({ type: 'bigint', transformer: bigintAsNumber }) rowsAnonymised!: number;
  @Column({ type: 'bigint', transformer: bigintAsNumber }) rowsHeld!: number;
  @Column({ type: 'bigint', transformer: bigintAsNumber }) rowsUndated!: number;
  /** Rows kept, per reason (`constraint:<name>`, `field:<key>`; ADR 0051), summed over batches. */
  @Column({ type: 'jsonb' }) rowsKept!: Record<string, number>;
  @Column({ type: 'int' }) errors!: number;
  @Column({ type: 'jsonb' }) sampleKeys!: string[][];
  @Column({ type: 'jsonb' }) exemptions!: RetentionExemption[];
  @Column({ type: 'text', nullable: true }) error!: string | null;
  /** sha256 of the one-time webhook callback token (the token itself is never stored). */
  @Column({ type: 'text', nullable: true }) callbackTokenHash!: string | null;
  /** Webhook delivery attempts so far, every (re-)delivery of this dataset included. */
  @Column({ type: 'int' }) webhookAttempts!: number;
  /** When the system acknowledged (2xx) the delivery; then only its callback is awaited. */
  @Column({ type: 'timestamptz', nullable: true }) webhookDeliveredAt!: Date | null;
  /** Not delivered by then: the delivery job is presumed lost and the sweep re-sends it. */
  @Column({ type: 'timestamptz', nullable: true }) webhookRedeliverAt!: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) startedAt!: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
}
