import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Actor } from '../../../policies/principal';

export type ManualTaskStatus = 'open' | 'done' | 'cancelled';

/** A purge a person performs in a system Finalité cannot reach; completed through the API. */
@Entity({ name: 'manual_task' })
export class ManualTaskEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'uuid' }) runId!: string;
  @Column({ type: 'uuid' }) runDatasetId!: string;
  @Column({ type: 'text' }) systemCode!: string;
  @Column({ type: 'text' }) datasetId!: string;
  @Column({ type: 'text' }) datasetName!: string;
  @Column({ type: 'text' }) instructions!: string;
  /**
   * The subjects listed with the task: for a subject-level run (erasure, consent withdrawal) the
   * only subjects whose records are concerned (held ones left out); for any other run the held
   * subjects whose records must be left untouched. The API tells them apart (subjectIds /
   * excludeSubjectIds) by the run's scope.
   */
  @Column({ type: 'jsonb', nullable: true }) subjectIds!: string[] | null;
  @Column({ type: 'text' }) status!: ManualTaskStatus;
  @Column({ type: 'int', nullable: true }) rowsDeleted!: number | null;
  @Column({ type: 'int', nullable: true }) rowsAnonymised!: number | null;
  @Column({ type: 'text', nullable: true }) note!: string | null;
  @Column({ type: 'jsonb', nullable: true }) completedBy!: Actor | null;
  @Column({ type: 'timestamptz', nullable: true }) completedAt!: Date | null;
  @Column({ type: 'timestamptz' }) createdAt!: Date;
}
