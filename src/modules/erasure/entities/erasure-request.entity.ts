import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Actor } from '../../../policies/principal';

/** An art. 17 request: carried out by a retention run of kind `erasure` (its status is the run's). */
@Entity({ name: 'erasure_request' })
export class ErasureRequestEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text' }) subjectId!: string;
  @Column({ type: 'text' }) status!: string;
  @Column({ type: 'uuid' }) runId!: string;
  @Column({ type: 'text', nullable: true }) reason!: string | null;
  @Column({ type: 'jsonb' }) requestedBy!: Actor;
  @Column({ type: 'timestamptz' }) requestedAt!: Date;
  @Column({ type: 'timestamptz', nullable: true }) completedAt!: Date | null;
}
