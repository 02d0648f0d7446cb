import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A contact coming from the subject (never updated): restarts `last_interaction` clocks. */
@Entity({ name: 'subject_interaction' })
@Index('subject_interaction_subject_idx', ['subjectId', 'occurredAt'])
export class SubjectInteractionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  subjectId!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  source!: string;

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
