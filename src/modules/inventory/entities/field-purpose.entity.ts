import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Anonymisation, FieldAction, FieldObligation } from '../inventory.model';

/** A field × purpose binding: what the purpose may do with the field, and under which obligation. */
@Entity({ name: 'field_purpose' })
export class FieldPurposeEntity {
  @PrimaryColumn({ type: 'uuid' })
  fieldId!: string;

  @PrimaryColumn({ type: 'text' })
  purposeCode!: string;

  @Column({ type: 'jsonb' })
  actions!: FieldAction[];

  @Column({ type: 'text', nullable: true })
  obligation!: FieldObligation | null;

  /** The binding also covers sub-purposes of the purpose (the access check's inheritance rule). */
  @Column({ type: 'boolean' })
  appliesToSubPurposes!: boolean;

  @Column({ type: 'jsonb', nullable: true })
  anonymisation!: Anonymisation | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
