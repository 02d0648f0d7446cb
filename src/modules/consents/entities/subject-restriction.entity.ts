import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { RestrictionKind } from '../consent.model';

/** An art. 18 restriction or art. 21 objection: the subject's data is not used until lifted. */
@Entity({ name: 'subject_restriction' })
export class SubjectRestrictionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  subjectId!: string;

  @Column({ type: 'text' })
  kind!: RestrictionKind;

  /** null: every purpose. */
  @Column({ type: 'jsonb', nullable: true })
  purposeCodes!: string[] | null;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ type: 'timestamptz' })
  setAt!: Date;

  @Column({ type: 'text' })
  setBy!: string;

  @Column({ type: 'timestamptz', nullable: true })
  liftedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  liftedBy!: string | null;

  @Column({ type: 'text', nullable: true })
  liftReason!: string | null;
}
