import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../../common/errors/domain-error';
import { inTransaction } from '../../database/transaction';
import type { Actor } from '../../policies/principal';
import { AuditService } from '../audit/audit.service';
import { ProcessorsService } from '../processors/processors.service';
import { RegisterRevisionService } from '../register-revision/register-revision.service';
import { RegisterImportResultDto } from './dto/register.dto';
import { RegisterInvalid } from './inventory.errors';
import { diffRegister, isEmptyDiff, RegisterDiff } from './register-diff';
import { RegisterDocument } from './register-document';
import { RegisterExportService } from './register-export.service';
import { RegisterInventoryApplier } from './register-inventory-applier';
import { parseRegisterDocument } from './register-parse';
import { RegisterPurposesApplier } from './register-purposes-applier';
import { validateRegister } from './register-validation';

/** Thrown to roll a dry run back after it has gone through every step of the real import. */
class DryRunRollback extends Error {
  constructor(readonly result: RegisterImportResultDto) {
    super('dry run');
  }
}

/**
 * The register import: parses and validates a whole document, computes the diff against the
 * register as it is, and applies it in ONE transaction (processors, purposes, inventory, one
 * register.imported event). A dry run performs the same import and rolls it back, so what it
 * reports is exactly what would happen.
 */
@Injectable()
export class RegisterImportService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registerExport: RegisterExportService,
    private readonly purposesApplier: RegisterPurposesApplier,
    private readonly inventoryApplier: RegisterInventoryApplier,
    private readonly audit: AuditService,
    private readonly registerRevision: RegisterRevisionService,
    private readonly processors: ProcessorsService,
  ) {}

  async import(body: unknown, dryRun: boolean, actor: Actor): Promise<RegisterImportResultDto> {
    const doc = parseRegisterDocument(body);
    try {
      return await inTransaction(this.dataSource, async (m) => {
        // Every register writer takes this lock first: the document diffed below stays the register
        // until this import commits (no API write can slip in between the diff and the apply).
        await this.registerRevision.lock(m);
        const current = await this.registerExport.currentDocument(m);
        const problems = validateRegister(doc, current);
        if (problems.length) {
          throw new RegisterInvalid(
            `The register document breaks ${problems.length} rule(s); nothing was imported`,
            problems,
          );
        }
        const diff = diffRegister(doc, current);
        const applied = !isEmptyDiff(diff);
        if (applied) await this.apply(m, doc, current, diff, actor);
        if (dryRun) throw new DryRunRollback({ dryRun: true, applied: false, diff });
        return { dryRun: false, applied, diff };
      });
    } catch (err) {
      if (err instanceof DryRunRollback) return err.result;
      if (err instanceof DomainError && !(err instanceof RegisterInvalid)) {
        // A rule met while applying (e.g. a purpose change that breaks its sub-purposes).
        throw new RegisterInvalid(
          `The register document cannot be applied; nothing was imported: ${err.message}`,
          [{ path: err.code, message: err.message }],
        );
      }
      throw err;
    }
  }

  private async apply(
    m: EntityManager,
    doc: RegisterDocument,
    current: RegisterDocument,
    diff: RegisterDiff,
    actor: Actor,
  ): Promise<void> {
    // Register row lock first (the order every register writer follows), audit chain lock last.
    await this.registerRevision.bump(m);
    await this.audit.withDeferredRecords(m, async () => {
      // Processors first (purposes and systems name them), removed ones last (once nothing does).
      await this.processors.upsertWithin(m, doc.processors, actor);
      await this.purposesApplier.apply(m, doc, current, actor);
      await this.inventoryApplier.apply(m, doc, diff, actor);
      await this.processors.removeWithin(m, diff.processors.retired, actor);
      await this.audit.recordInTransaction(m, {
        type: 'register.imported',
        actor,
        target: { type: 'register', id: 'register' },
        payload: { diff },
      });
    });
  }
}
