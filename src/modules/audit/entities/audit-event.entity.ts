import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One link of the tamper-evident chain. Rows are never updated or deleted (enforced by triggers). */
@Entity({ name: 'audit_event' })
@Index('audit_event_type_idx', ['type', 'seq'])
export class AuditEventEntity {
  @PrimaryColumn({ type: 'bigint' })
  seq!: string;

  @Column({ type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'text' })
  actorType!: string;

  @Column({ type: 'text' })
  actorId!: string;

  @Column({ type: 'text' })
  actorName!: string;

  @Column({ type: 'text', nullable: true })
  targetType!: string | null;

  @Column({ type: 'text', nullable: true })
  targetId!: string | null;

  @Column({ type: 'text', nullable: true })
  purposeCode!: string | null;

  @Column({ type: 'text', nullable: true })
  subjectRef!: string | null;

  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ type: 'text', nullable: true })
  requestId!: string | null;

  @Column({ type: 'char', length: 64 })
  prevHash!: string;

  @Column({ type: 'char', length: 64 })
  hash!: string;
}
