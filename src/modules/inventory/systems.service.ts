import { Injectable } from '@nestjs/common';
import { isDeepStrictEqual } from 'node:util';
import type { EntityManager } from 'typeorm';
import { rethrowUniqueAs } from '../../common/errors/unique-violation';
import type { Actor } from '../../policies/principal';
import { ProcessorsService } from '../processors/processors.service';
import type { CreateSystemDto, SystemResponseDto, UpdateSystemDto } from './dto/system.dto';
import type { InventorySystemEntity } from './entities/inventory-system.entity';
import {
  SystemAlreadyExists,
  SystemNotEmpty,
  SystemNotFound,
  SystemRuleViolated,
  SystemVersionMismatch,
} from './inventory.errors';
import { systemSnapshot, toSystemResponse } from './inventory.mapper';
import { SYSTEM_PROPERTIES, isDatabaseKind, SystemKind } from './inventory.model';
import { InventoryRepository } from './inventory.repository';
import { InventoryChanges } from './inventory-changes';
import { SystemSecrets } from './system-secrets';

/**
 * The systems of the inventory: what each declares, its kind's rules (which secrets and URLs it
 * may hold) and its secrets (encrypted, write-only). A system with datasets cannot be deleted.
 */
@Injectable()
export class SystemsService {
  constructor(
    private readonly repository: InventoryRepository,
    private readonly changes: InventoryChanges,
    private readonly secrets: SystemSecrets,
    private readonly processors: ProcessorsService,
  ) {}

  async createSystem(dto: CreateSystemDto, actor: Actor): Promise<SystemResponseDto> {
    const alreadyExists = () => new SystemAlreadyExists(`A system with code "${dto.code}" already exists`);
    return this.changes
      .transaction(async (m) => {
        if (await this.repository.systemExists(m, dto.code)) throw alreadyExists();
        const system = this.repository.newSystem(m, {
          code: dto.code,
          version: 1,
          createdBy: actor.id,
          updatedBy: actor.id,
          connectionStringEncrypted: null,
          webhookSecretEncrypted: null,
        });
        for (const key of SYSTEM_PROPERTIES) {
          (system as unknown as Record<string, unknown>)[key] = dto[key] ?? null;
        }
        this.secrets.apply(system, dto);
        assertSystemRules(system, true);
        await this.assertProcessorKnown(m, system);
        const saved = await this.repository.saveSystem(m, system);
        await this.changes.record(
          m,
          actor,
          'system.created',
          { type: 'system', id: saved.code },
          { after: systemSnapshot(saved) },
        );
        return toSystemResponse(saved, 0);
      })
      .catch(rethrowUniqueAs(alreadyExists));
  }

  async updateSystem(
    code: string,
    dto: UpdateSystemDto,
    actor: Actor,
    expectedVersion?: number,
  ): Promise<SystemResponseDto> {
    return this.changes.transaction(async (m) => {
      const system = await this.lockSystem(m, code);
      if (expectedVersion !== undefined && expectedVersion !== system.version) {
        throw new SystemVersionMismatch(
          `System "${code}" is at version ${system.version}, not ${expectedVersion}; reload it and retry`,
          { currentVersion: system.version },
        );
      }
      const before = systemSnapshot(system);
      for (const key of SYSTEM_PROPERTIES) {
        if (key in dto && dto[key] !== undefined) {
          (system as unknown as Record<string, unknown>)[key] = dto[key] ?? null;
        }
      }
      const secretsChanged = this.secrets.apply(system, dto);
      assertSystemRules(system, false);
      if (system.processorCode !== before.processorCode) await this.assertProcessorKnown(m, system);
      const after = systemSnapshot(system);
      const changed = Object.keys(after).filter((k) => !isDeepStrictEqual(before[k], after[k]));
      changed.push(...secretsChanged.filter((k) => !changed.includes(k)));
      const datasetCount = await this.repository.countDatasets(m, system.id);
      if (changed.length === 0) return toSystemResponse(system, datasetCount);
      system.version += 1;
      system.updatedBy = actor.id;
      const saved = await this.repository.saveSystem(m, system);
      await this.changes.record(
        m,
        actor,
        'system.updated',
        { type: 'system', id: code },
        { changedFields: changed.sort(), before, after: systemSnapshot(saved) },
      );
      return toSystemResponse(saved, datasetCount);
    });
  }

  async deleteSystem(code: string, actor: Actor): Promise<void> {
    await this.changes.transaction(async (m) => {
      const system = await this.lockSystem(m, code);
      const datasets = await this.repository.countDatasets(m, system.id);
      if (datasets > 0) {
        throw new SystemNotEmpty(`System "${code}" still has ${datasets} dataset(s); delete them first`);
      }
      await this.repository.deleteSystem(m, system.id);
      await this.changes.record(
        m,
        actor,
        'system.deleted',
        { type: 'system', id: code },
        { before: systemSnapshot(system) },
      );
    });
  }

  async getSystem(code: string): Promise<SystemResponseDto> {
    const system = await this.repository.findSystem(code);
    if (!system) throw new SystemNotFound(`No system with code "${code}"`);
    const count = await this.repository.countDatasets(this.repository.manager, system.id);
    return toSystemResponse(system, count);
  }

  async listSystems(): Promise<SystemResponseDto[]> {
    const rows = await this.repository.listSystemsWithDatasetCounts();
    return rows.map(({ system, datasetCount }) => toSystemResponse(system, datasetCount));
  }

  /** The decrypted connection string of a postgres system (for the scan; never returned). */
  async connectionStringOf(
    code: string,
  ): Promise<{ system: InventorySystemEntity; connectionString: string | null }> {
    const system = await this.repository.findSystem(code);
    if (!system) throw new SystemNotFound(`No system with code "${code}"`);
    return { system, connectionString: this.secrets.connectionString(system) };
  }

  /** The operator must be a processor of the register (the foreign key would refuse it less clearly). */
  private async assertProcessorKnown(m: EntityManager, system: InventorySystemEntity): Promise<void> {
    if (system.processorCode) await this.processors.assertKnown(m, [system.processorCode], 'processorCode');
  }

  /** Locks the system row for a write in `m` (datasets lock their system too); 404 if absent. */
  async lockSystem(m: EntityManager, code: string): Promise<InventorySystemEntity> {
    const system = await this.repository.lockSystem(m, code);
    if (!system) throw new SystemNotFound(`No system with code "${code}"`);
    return system;
  }
}

/** What a system's kind allows it to hold (see docs/architecture.md, "how do I add a system kind"). */
export function assertSystemRules(system: InventorySystemEntity, creating: boolean): void {
  const problems: { property: string; message: string }[] = [];
  if (system.connectionStringEncrypted && !isDatabaseKind(system.kind)) {
    problems.push({
      property: 'connectionString',
      message:
        'only a postgres or mysql system holds a connection string (clear it with null when changing kind)',
    });
  }
  if (system.kind !== SystemKind.Webhook && (system.webhookUrl || system.webhookSecretEncrypted)) {
    problems.push({
      property: 'webhookUrl',
      message: 'only a webhook system has a webhook URL and secret (clear them with null when changing kind)',
    });
  }
  if (system.kind === SystemKind.Webhook && !system.webhookUrl) {
    problems.push({ property: 'webhookUrl', message: 'a webhook system needs webhookUrl' });
  }
  if (problems.length) {
    throw new SystemRuleViolated(
      `The system ${creating ? 'cannot be created' : 'change is refused'}: ${problems.map((p) => p.message).join('; ')}`,
      problems,
    );
  }
}
