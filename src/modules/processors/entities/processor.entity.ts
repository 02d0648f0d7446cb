import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ProcessingLocation, ProcessorAgreement, SubProcessor } from '../processor.model';

/** A processor (art. 28) the controller's systems or purposes rely on, with its agreement and locations. */
@Entity({ name: 'processor' })
export class ProcessorEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;

  @Index('processor_code_key', { unique: true })
  @Column({ type: 'text' })
  code!: string;

  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text', nullable: true }) contact!: string | null;
  @Column({ type: 'text' }) country!: string;
  @Column({ type: 'text', nullable: true }) service!: string | null;
  @Column({ type: 'jsonb', nullable: true }) agreement!: ProcessorAgreement | null;
  @Column({ type: 'jsonb' }) processingLocations!: ProcessingLocation[];
  @Column({ type: 'jsonb' }) subProcessors!: SubProcessor[];
  @Column({ type: 'int' }) version!: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
  @Column({ type: 'text' }) createdBy!: string;
  @Column({ type: 'text' }) updatedBy!: string;
}
