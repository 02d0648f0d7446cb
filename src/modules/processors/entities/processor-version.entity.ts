import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { Actor } from '../../../policies/principal';

export type ProcessorChange = 'created' | 'updated' | 'deleted';

/** One version of a processor as the register held it (its history survives its removal). */
@Entity({ name: 'processor_version' })
@Index('processor_version_code_version_key', ['code', 'version'], { unique: true })
export class ProcessorVersionEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text' }) code!: string;
  @Column({ type: 'int' }) version!: number;
  @Column({ type: 'text' }) change!: ProcessorChange;
  @Column({ type: 'jsonb' }) changedFields!: string[];
  @Column({ type: 'jsonb' }) snapshot!: Record<string, unknown>;
  @Column({ type: 'jsonb' }) actor!: Actor;
  @Column({ type: 'timestamptz' }) changedAt!: Date;
  @Column({ type: 'text', nullable: true }) requestId!: string | null;
}
