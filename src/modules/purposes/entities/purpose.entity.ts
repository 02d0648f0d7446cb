import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type {
  InternationalTransfer,
  LegalBasis,
  Party,
  Processor,
  PurposeStatus,
  RetentionArchive,
  RetentionTrigger,
  SpecialCategoryCondition,
} from '../purpose.model';

/**
 * A purpose (finalité): one entry of the art. 30 record of processing. Nullable
 * declaration columns mean "inherited from the parent purpose" for a sub-purpose.
 */
@Entity({ name: 'purpose' })
export class PurposeEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('purpose_code_key', { unique: true })
  @Column({ type: 'text' })
  code!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'text', nullable: true })
  parentCode!: string | null;

  @Column({ type: 'text' })
  status!: PurposeStatus;

  @Column({ type: 'int' })
  version!: number;

  @Column({ type: 'text', nullable: true })
  legalBasis!: LegalBasis | null;

  @Column({ type: 'text', nullable: true })
  legitimateInterest!: string | null;

  @Column({ type: 'text', nullable: true })
  specialCategoryCondition!: SpecialCategoryCondition | null;

  @Column({ type: 'jsonb', nullable: true })
  controller!: Party | null;

  @Column({ type: 'jsonb', nullable: true })
  jointControllers!: Party[] | null;

  @Column({ type: 'jsonb', nullable: true })
  processors!: Processor[] | null;

  @Column({ type: 'jsonb', nullable: true })
  dataSubjectCategories!: string[] | null;

  @Column({ type: 'jsonb', nullable: true })
  dataCategories!: string[] | null;

  @Column({ type: 'jsonb', nullable: true })
  recipients!: string[] | null;

  @Column({ type: 'jsonb', nullable: true })
  recipientProcessors!: string[] | null;

  @Column({ type: 'jsonb', nullable: true })
  internationalTransfers!: InternationalTransfer[] | null;

  @Column({ type: 'text', nullable: true })
  retentionDuration!: string | null;

  @Column({ type: 'text', nullable: true })
  retentionTrigger!: RetentionTrigger | null;

  /** The intermediate archive phase after the active one (ADR 0052). */
  @Column({ type: 'jsonb', nullable: true })
  retentionArchive!: RetentionArchive | null;

  @Column({ type: 'jsonb', nullable: true })
  securityMeasures!: string[] | null;

  @Column({ type: 'boolean', nullable: true })
  dpiaRequired!: boolean | null;

  /** The CNIL preset the purpose was drafted from (set at creation only), if any. */
  @Column({ type: 'text', nullable: true })
  presetCode!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  activatedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  retiredAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ type: 'text' })
  createdBy!: string;

  @Column({ type: 'text' })
  updatedBy!: string;
}
