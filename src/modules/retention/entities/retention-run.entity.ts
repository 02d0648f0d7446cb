import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Actor } from '../../../policies/principal';

export type RetentionRunKind = 'on_demand' | 'scheduled' | 'erasure' | 'consent_withdrawal';
export type RetentionRunStatus = 'queued' | 'running' | 'waiting' | 'completed' | 'failed' | 'cancelled';

export const UNFINISHED_RUN_STATUSES: RetentionRunStatus[] = ['queued', 'running', 'waiting'];

/** One retention run: durable, so a lost job or a killed worker never loses it. */
@Entity({ name: 'retention_run' })
export class RetentionRunEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text' }) kind!: RetentionRunKind;
  @Column({ type: 'text' }) status!: RetentionRunStatus;
  @Column({ type: 'boolean' }) dryRun!: boolean;
  @Column({ type: 'text', nullable: true }) systemCode!: string | null;
  @Column({ type: 'text', nullable: true }) datasetId!: string | null;
  /** Erasure and consent-withdrawal runs: the subjects concerned (needed to find their rows). */
  @Column({ type: 'jsonb', nullable: true }) subjectIds!: string[] | null;
  @Column({ type: 'jsonb', nullable: true }) purposeCodes!: string[] | null;
  @Column({ type: 'text', nullable: true }) scheduleKey!: string | null;
  @Column({ type: 'boolean' }) cancelRequested!: boolean;
  @Column({ type: 'jsonb' }) requestedBy!: Actor;
  @Column({ type: 'timestamptz' }) createdAt!: Date;
  @Column({ type: 'timestamptz', nullable: true }) startedAt!: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) finishedAt!: Date | null;
  @Column({ type: 'text', nullable: true }) leaseOwner!: string | null;
  @Column({ type: 'timestamptz', nullable: true }) leaseUntil!: Date | null;
  @Column({ type: 'text', nullable: true }) error!: string | null;
}
