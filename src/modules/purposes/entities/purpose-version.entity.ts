import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { Actor } from '../../../policies/principal';

export type PurposeChange = 'created' | 'updated' | 'activated' | 'retired' | 'deleted';

/** One version of a purpose as the register held it, with who changed what and when. */
@Entity({ name: 'purpose_version' })
@Index('purpose_version_purpose_version_key', ['purposeId', 'version'], { unique: true })
export class PurposeVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  purposeId!: string;

  @Column({ type: 'text' })
  code!: string;

  @Column({ type: 'int' })
  version!: number;

  @Column({ type: 'text' })
  change!: PurposeChange;

  /** Names of the properties that changed from the previous version. */
  @Column({ type: 'jsonb' })
  changedFields!: string[];

  /** The purpose as declared in this version (own values, not inherited ones). */
  @Column({ type: 'jsonb' })
  snapshot!: Record<string, unknown>;

  @Column({ type: 'jsonb' })
  actor!: Actor;

  @Column({ type: 'timestamptz' })
  changedAt!: Date;

  @Column({ type: 'text', nullable: true })
  requestId!: string | null;
}
