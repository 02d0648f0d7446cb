import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { ConsentStatus } from '../consent.model';

/** One grant or withdrawal as it happened (the consent history; never updated). */
@Entity({ name: 'consent_event' })
@Index('consent_event_subject_idx', ['subjectId', 'purposeCode', 'occurredAt'])
export class ConsentEventEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  subjectId!: string;

  @Column({ type: 'text' })
  purposeCode!: string;

  @Column({ type: 'text' })
  status!: ConsentStatus;

  @Column({ type: 'int' })
  purposeVersion!: number;

  @Column({ type: 'text' })
  source!: string;

  @Column({ type: 'jsonb' })
  proof!: Record<string, unknown>;

  @Column({ type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'timestamptz' })
  recordedAt!: Date;

  @Column({ type: 'text' })
  recordedBy!: string;

  @Column({ type: 'uuid', nullable: true })
  importId!: string | null;

  @Column({ type: 'text', nullable: true })
  requestId!: string | null;
}
