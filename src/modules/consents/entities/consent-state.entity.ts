import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ConsentStatus } from '../consent.model';

/** The current consent of one subject for one purpose: its latest event by occurredAt. */
@Entity({ name: 'consent_state' })
export class ConsentStateEntity {
  @PrimaryColumn({ type: 'text' })
  subjectId!: string;

  @PrimaryColumn({ type: 'text' })
  purposeCode!: string;

  @Column({ type: 'text' })
  status!: ConsentStatus;

  @Column({ type: 'int' })
  purposeVersion!: number;

  @Column({ type: 'text' })
  source!: string;

  @Column({ type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'uuid' })
  eventId!: string;

  @Column({ type: 'timestamptz' })
  updatedAt!: Date;
}
