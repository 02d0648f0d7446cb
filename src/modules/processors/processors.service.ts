import { Injectable } from '@nestjs/common';
import { isDeepStrictEqual } from 'node:util';
import type { EntityManager } from 'typeorm';
import { rethrowUniqueAs } from '../../common/errors/unique-violation';
import { currentRequestId } from '../../common/request-context';
import type { Actor } from '../../policies/principal';
import { AuditService } from '../audit/audit.service';
import { RegisterRevisionService } from '../register-revision/register-revision.service';
import type {
  CreateProcessorDto,
  ProcessorDeclarationDto,
  ProcessorHistoryDto,
  ProcessorResponseDto,
} from './dto/processor.dto';
import type { ProcessorEntity } from './entities/processor.entity';
import type { ProcessorChange } from './entities/processor-version.entity';
import {
  declarationOf,
  NormalisedProcessor,
  normaliseDeclaration,
  toProcessorResponse,
} from './processor.mapper';
import { checkProcessor, ProcessorDeclaration } from './processor.model';
import {
  ProcessorAlreadyExists,
  ProcessorNotFound,
  ProcessorRuleViolated,
  ProcessorUnknown,
  ProcessorVersionMismatch,
} from './processors.errors';
import { ProcessorsRepository } from './processors.repository';

type Declaration = NormalisedProcessor;

/**
 * The processor register (art. 28): who processes data on the controller's behalf, under which
 * agreement, and in which countries. Every change writes a version in the processor's history and
 * an audit event, in the same transaction; the register lock orders it with every register writer.
 */
@Injectable()
export class ProcessorsService {
  constructor(
    private readonly repository: ProcessorsRepository,
    private readonly register: RegisterRevisionService,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<ProcessorResponseDto[]> {
    return (await this.repository.list()).map(toProcessorResponse);
  }

  /** Every processor's declaration (the register document, the reports). */
  async listDeclarations(m?: EntityManager): Promise<Declaration[]> {
    return (await this.repository.list(m)).map(declarationOf);
  }

  async get(code: string): Promise<ProcessorResponseDto> {
    const row = await this.repository.find(code);
    if (!row) throw new ProcessorNotFound(`No processor with code "${code}"`);
    return toProcessorResponse(row);
  }

  async history(code: string): Promise<ProcessorHistoryDto> {
    const versions = await this.repository.history(code);
    if (versions.length === 0) throw new ProcessorNotFound(`No processor with code "${code}"`);
    return {
      code,
      versions: versions.map((v) => ({
        version: v.version,
        change: v.change,
        changedFields: v.changedFields,
        snapshot: v.snapshot,
        actor: v.actor,
        changedAt: v.changedAt,
        requestId: v.requestId,
      })),
    };
  }

  async create(dto: CreateProcessorDto, actor: Actor): Promise<ProcessorResponseDto> {
    const exists = () => new ProcessorAlreadyExists(`A processor with code "${dto.code}" already exists`);
    return this.register
      .transaction(async (m) => {
        if (await this.repository.find(dto.code, m)) throw exists();
        return toProcessorResponse(await this.createWithin(m, normaliseDeclaration(dto), actor));
      })
      .catch(rethrowUniqueAs(exists));
  }

  /** PUT: replaces the declaration. `expectedVersion` (If-Match) guards against a lost update. */
  async replace(
    code: string,
    dto: ProcessorDeclarationDto,
    actor: Actor,
    expectedVersion?: number,
  ): Promise<ProcessorResponseDto> {
    return this.register.transaction(async (m) => {
      const row = await this.repository.lock(m, code);
      if (!row) throw new ProcessorNotFound(`No processor with code "${code}"`);
      if (expectedVersion !== undefined && expectedVersion !== row.version) {
        throw new ProcessorVersionMismatch(
          `Processor "${code}" is at version ${row.version}, not ${expectedVersion}; reload it and retry`,
          { currentVersion: row.version },
        );
      }
      return toProcessorResponse(
        await this.updateWithin(m, row, normaliseDeclaration({ ...dto, code }), actor),
      );
    });
  }

  /**
   * Refuses codes the register does not hold (a system's operator, a purpose's recipients), in the
   * caller's transaction. `property` names the offending input in the error.
   */
  async assertKnown(m: EntityManager, codes: string[], property: string): Promise<void> {
    const wanted = [...new Set(codes)];
    const known = await this.repository.existingCodes(m, wanted);
    const unknown = wanted.filter((c) => !known.has(c));
    if (unknown.length) {
      throw new ProcessorUnknown(
        `No processor with code ${unknown.map((c) => `"${c}"`).join(', ')} in the register (create it first)`,
        unknown.map((c) => ({ property, message: `unknown processor "${c}"` })),
      );
    }
  }

  /**
   * The register import's step: makes the processors exactly `next` (created, changed, removed), in
   * the import's transaction. Removal happens last (`removeWithin`), once systems no longer name them.
   */
  async upsertWithin(m: EntityManager, next: ProcessorDeclaration[], actor: Actor): Promise<void> {
    const current = new Map((await this.repository.list(m)).map((r) => [r.code, r]));
    for (const p of next) {
      const row = current.get(p.code);
      const declaration = normaliseDeclaration(p);
      if (row) await this.updateWithin(m, row, declaration, actor);
      else await this.createWithin(m, declaration, actor);
    }
  }

  async removeWithin(m: EntityManager, codes: string[], actor: Actor): Promise<void> {
    for (const code of codes) {
      const row = await this.repository.lock(m, code);
      if (!row) continue;
      await this.repository.delete(m, row.id);
      await this.record(m, row, 'deleted', [], actor, declarationOf(row), row.version + 1);
    }
  }

  private assertRules(d: Declaration): void {
    const problems = checkProcessor(d);
    if (problems.length) {
      throw new ProcessorRuleViolated(
        `The processor is refused: ${problems.map((p) => `${p.property}: ${p.message}`).join('; ')}`,
        problems,
      );
    }
  }

  private async createWithin(m: EntityManager, d: Declaration, actor: Actor): Promise<ProcessorEntity> {
    this.assertRules(d);
    // A code removed earlier keeps its history: the new processor continues its version numbers.
    const version = (await this.repository.lastVersion(m, d.code)) + 1;
    const saved = await this.repository.save(
      m,
      this.repository.create(m, { ...d, version, createdBy: actor.id, updatedBy: actor.id }),
    );
    await this.record(m, saved, 'created', Object.keys(d).sort(), actor, null, version);
    return saved;
  }

  private async updateWithin(
    m: EntityManager,
    row: ProcessorEntity,
    d: Declaration,
    actor: Actor,
  ): Promise<ProcessorEntity> {
    this.assertRules(d);
    const before = declarationOf(row);
    const changed = (Object.keys(d) as (keyof Declaration)[]).filter(
      (k) => !isDeepStrictEqual(before[k], d[k]),
    );
    if (changed.length === 0) return row;
    Object.assign(row, d, { version: row.version + 1, updatedBy: actor.id });
    const saved = await this.repository.save(m, row);
    await this.record(m, saved, 'updated', changed.sort(), actor, before, saved.version);
    return saved;
  }

  private async record(
    m: EntityManager,
    row: ProcessorEntity,
    change: ProcessorChange,
    changedFields: string[],
    actor: Actor,
    before: Declaration | null,
    version: number,
  ): Promise<void> {
    const after = change === 'deleted' ? null : declarationOf(row);
    await this.repository.insertVersion(m, {
      code: row.code,
      version,
      change,
      changedFields,
      snapshot: (after ?? before) as unknown as Record<string, unknown>,
      actor,
      changedAt: new Date(),
      requestId: currentRequestId() ?? null,
    });
    await this.audit.recordInTransaction(m, {
      type: `processor.${change}`,
      actor,
      target: { type: 'processor', id: row.code },
      payload: { version, changedFields, before, after },
    });
  }
}
