import { Injectable } from '@nestjs/common';
import type { Actor } from '../../policies/principal';
import { AuditService } from '../audit/audit.service';
import { RegisterRevisionService } from '../register-revision/register-revision.service';
import type { OrganisationResponseDto, PutOrganisationDto } from './dto/organisation.dto';
import type { ControllerOrganisationEntity } from './entities/controller-organisation.entity';
import { OrganisationNotDeclared, OrganisationVersionMismatch } from './organisation.errors';
import { OrganisationRepository } from './organisation.repository';

/** The controller as the record of processing names it (art. 30(1)(a)), with its DPO and EU representative. */
export interface OrganisationView {
  name: string;
  address: string;
  contact: string;
  establishedInEu: boolean;
  dpo: { name: string; contact: string } | null;
  representative: { name: string; contact: string } | null;
  version: number;
  updatedBy: Actor;
  updatedAt: Date;
}

/** The declared parts, compared to tell a change from a repeated PUT and recorded before/after. */
type Declaration = Omit<OrganisationView, 'version' | 'updatedBy' | 'updatedAt'>;

export const ORGANISATION_UPDATED_EVENT = 'organisation.updated';

/**
 * The organisation-level part of the register: one record, managed by the DPO, printed on the
 * record of processing. Each change is audited with the record before and after it.
 */
@Injectable()
export class OrganisationService {
  constructor(
    private readonly repository: OrganisationRepository,
    private readonly register: RegisterRevisionService,
    private readonly audit: AuditService,
  ) {}

  /** The record, or null when the DPO has not declared it yet. */
  async find(): Promise<OrganisationView | null> {
    const row = await this.repository.find();
    return row ? toView(row) : null;
  }

  async get(): Promise<OrganisationResponseDto> {
    const view = await this.find();
    if (!view) {
      throw new OrganisationNotDeclared('The controller organisation has not been declared yet (PUT it)');
    }
    return view;
  }

  /**
   * Replaces the record (PUT). `expectedVersion` (If-Match) is checked against the current one,
   * 0 meaning "not declared yet". Sending the record unchanged changes and records nothing.
   */
  async put(
    dto: PutOrganisationDto,
    actor: Actor,
    expectedVersion?: number,
  ): Promise<OrganisationResponseDto> {
    // The register lock serialises this with every other register writer (and the first PUTs).
    return this.register.transaction(async (m) => {
      const row = await this.repository.lock(m);
      const current = row?.version ?? 0;
      if (expectedVersion !== undefined && expectedVersion !== current) {
        throw new OrganisationVersionMismatch(
          `The organisation is at version ${current}, not ${expectedVersion}`,
          { currentVersion: current },
        );
      }
      const before = row ? declarationOf(toView(row)) : null;
      const after: Declaration = {
        name: dto.name,
        address: dto.address,
        contact: dto.contact,
        establishedInEu: dto.establishedInEu ?? true,
        dpo: dto.dpo ? { name: dto.dpo.name, contact: dto.dpo.contact } : null,
        representative: dto.representative
          ? { name: dto.representative.name, contact: dto.representative.contact }
          : null,
      };
      if (row && JSON.stringify(before) === JSON.stringify(after)) return toView(row);

      const saved = await this.repository.save(m, {
        name: after.name,
        address: after.address,
        contact: after.contact,
        establishedInEu: after.establishedInEu,
        dpoName: after.dpo?.name ?? null,
        dpoContact: after.dpo?.contact ?? null,
        representativeName: after.representative?.name ?? null,
        representativeContact: after.representative?.contact ?? null,
        version: current + 1,
        updatedBy: actor,
        updatedAt: new Date(),
      });
      await this.audit.recordInTransaction(m, {
        type: ORGANISATION_UPDATED_EVENT,
        actor,
        target: { type: 'organisation', id: 'controller' },
        payload: {
          version: saved.version,
          changed: changedFields(before, after),
          before,
          after,
        },
      });
      return toView(saved);
    });
  }
}

function toView(row: ControllerOrganisationEntity): OrganisationView {
  return {
    name: row.name,
    address: row.address,
    contact: row.contact,
    establishedInEu: row.establishedInEu,
    dpo: row.dpoContact !== null ? { name: row.dpoName ?? '', contact: row.dpoContact } : null,
    representative:
      row.representativeContact !== null
        ? { name: row.representativeName ?? '', contact: row.representativeContact }
        : null,
    version: row.version,
    updatedBy: row.updatedBy,
    updatedAt: row.updatedAt,
  };
}

function declarationOf(v: OrganisationView): Declaration {
  return {
    name: v.name,
    address: v.address,
    contact: v.contact,
    establishedInEu: v.establishedInEu,
    dpo: v.dpo,
    representative: v.representative,
  };
}

function changedFields(before: Declaration | null, after: Declaration): string[] {
  return (Object.keys(after) as (keyof Declaration)[]).filter(
    (k) => !before || JSON.stringify(before[k]) !== JSON.stringify(after[k]),
  );
}
