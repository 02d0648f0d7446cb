import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A signed head of the chain (see AuditIntegrityService). Append-only, enforced by triggers. */
@Entity({ name: 'audit_checkpoint' })
@Index('audit_checkpoint_head_seq_idx', ['headSeq', 'id'])
export class AuditCheckpointEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'bigint' })
  headSeq!: string;

  @Column({ type: 'char', length: 64 })
  headHash!: string;

  @Column({ type: 'timestamptz' })
  signedAt!: Date;

  @Column({ type: 'text' })
  keyId!: string;

  @Column({ type: 'text' })
  signature!: string;
}
