import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Actor } from '../../../policies/principal';

/** The one row that identifies the controller for the record of processing (art. 30(1)(a), art. 27). */
export const ORGANISATION_ROW_ID = 1;

@Entity({ name: 'controller_organisation' })
export class ControllerOrganisationEntity {
  @PrimaryColumn({ type: 'smallint' }) id!: number;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text' }) address!: string;
  @Column({ type: 'text' }) contact!: string;
  @Column({ type: 'boolean' }) establishedInEu!: boolean;
  @Column({ type: 'text', nullable: true }) dpoName!: string | null;
  @Column({ type: 'text', nullable: true }) dpoContact!: string | null;
  @Column({ type: 'text', nullable: true }) representativeName!: string | null;
  @Column({ type: 'text', nullable: true }) representativeContact!: string | null;
  @Column({ type: 'int' }) version!: number;
  @Column({ type: 'jsonb' }) updatedBy!: Actor;
  @Column({ type: 'timestamptz' }) updatedAt!: Date;
}
