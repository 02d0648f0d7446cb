import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Role } from '../../../policies/role.enum';

/** Someone or something that calls the API: a person (admin, DPO, auditor) or an application. */
@Entity({ name: 'principal' })
export class PrincipalEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'jsonb' })
  roles!: Role[];

  /** Purposes an application may invoke (access checks, consents); validated against the register. */
  @Column({ type: 'jsonb' })
  purposeCodes!: string[];

  /**
   * Purposes (a subset of purposeCodes) on which the application may reach the intermediate
   * archive (access checks with phase "archive"); none by default (ADR 0054).
   */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  archivePurposeCodes!: string[];

  @Column({ type: 'boolean' })
  disabled!: boolean;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ type: 'text' })
  createdBy!: string;

  @Column({ type: 'text' })
  updatedBy!: string;
}
