import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Actor } from '../../../policies/principal';

export type LegalHoldScope = 'subject' | 'dataset' | 'system';

/** Suspends purging of what it covers (litigation, investigation) until lifted or ended. */
@Entity({ name: 'legal_hold' })
export class LegalHoldEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text' }) scope!: LegalHoldScope;
  @Column({ type: 'text', nullable: true }) subjectId!: string | null;
  @Column({ type: 'text', nullable: true }) datasetId!: string | null;
  @Column({ type: 'text', nullable: true }) systemCode!: string | null;
  @Column({ type: 'text' }) reason!: string;
  @Column({ type: 'timestamptz', nullable: true }) endsAt!: Date | null;
  @Column({ type: 'jsonb' }) placedBy!: Actor;
  @Column({ type: 'timestamptz' }) placedAt!: Date;
  @Column({ type: 'jsonb', nullable: true }) liftedBy!: Actor | null;
  @Column({ type: 'timestamptz', nullable: true }) liftedAt!: Date | null;
}
