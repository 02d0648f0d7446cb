import { SYSTEM_ABILITY } from '../../policies/ability.factory';
import { checkpointMessage } from '../audit/audit-signer';
import type { AuditIntegrityService } from '../audit/audit-integrity.service';
import type { AccessService, AccessSummary } from '../access/access.service';
import type { ConsentsService } from '../consents/consents.service';
import { isDatabaseKind } from '../inventory/inventory.model';
import type { InventoryReadModel } from '../inventory/inventory-read-model.service';
import type { SystemsService } from '../inventory/systems.service';
import type { OrganisationService } from '../organisation/organisation.service';
import type { ProcessorsService } from '../processors/processors.service';
import type { RetentionService } from '../retention/retention.service';
import type {
  AccessSource,
  AuditIntegritySource,
  ConsentSource,
  InventoryFieldView,
  InventorySource,
  InventorySystemView,
  OrganisationSource,
  ProcessorSource,
  RetentionSource,
  UnregisteredColumnView,
} from './report-sources';

/**
 * Binds the report ports to the owning modules' exported services. Each adapter only renames
 * and narrows; no rule of another module is re-implemented here.
 */

export function inventorySourceFrom(
  inventory: InventoryReadModel,
  systemsService: SystemsService,
): InventorySource {
  return {
    async listSystems(): Promise<InventorySystemView[]> {
      const [systems, findings] = await Promise.all([
        systemsService.listSystems(),
        inventory.listLastScanFindings(),
      ]);
      const scannedAt = new Map(findings.map((f) => [f.systemCode, new Date(f.scannedAt)]));
      return systems.map((s) => ({
        key: s.code,
        name: s.name,
        // Only databases Finalité can reach are scanned; webhook and manual systems never are.
        scannable: isDatabaseKind(s.kind),
        lastScannedAt: scannedAt.get(s.code) ?? null,
        processorCode: s.processorCode,
      }));
    },
    async *iterateFields(): AsyncGenerator<InventoryFieldView> {
      // Keyset batches ordered by key: only one batch of fields is in memory at a time. A report is
      // the register as a whole, for its readers (DPO, auditor), not one application's view.
      for await (const batch of inventory.iterateFields({}, SYSTEM_ABILITY)) {
        for (const f of batch) {
          yield {
            key: f.key,
            systemKey: f.systemCode,
            datasetKey: f.dataset,
            column: f.column,
            dataCategory: f.dataCategory,
            special: f.special,
            purposeCodes: f.purposeCodes,
            flags: f.flags,
          };
        }
      }
    },
    async listUnregisteredColumns(): Promise<UnregisteredColumnView[]> {
      const findings = await inventory.listLastScanFindings();
      return findings.flatMap((f) =>
        f.unregistered.map((c) => ({
          systemKey: f.systemCode,
          datasetKey: c.dataset ?? `${c.schema}.${c.table}`,
          column: c.column,
          scannedAt: new Date(f.scannedAt),
        })),
      );
    },
  };
}

export function consentSourceFrom(consents: ConsentsService): ConsentSource {
  return { hasConsentRecords: (purposeCode) => consents.hasConsentRecords(purposeCode) };
}

export function auditIntegritySourceFrom(integrity: AuditIntegrityService): AuditIntegritySource {
  return {
    async head() {
      // Verified head: walk only what the latest signed checkpoint does not already seal.
      const latest = await integrity.latestCheckpoint();
      const v = await integrity.verify({ fromSeq: latest?.headSeq ?? 1 });
      return v.head ? { seq: v.head.seq, hash: v.head.hash, verified: v.ok } : null;
    },
    async verify() {
      const v = await integrity.verify();
      return {
        valid: v.ok,
        checkedEvents: v.checkedEvents,
        fromSeq: v.fromSeq,
        toSeq: v.toSeq,
        head: v.head ? { seq: v.head.seq, hash: v.head.hash, verified: v.ok } : null,
        firstInvalidSeq: v.firstBreak?.seq ?? null,
        problem: v.firstBreak?.message ?? null,
        finding: v.firstBreak
          ? {
              reason: v.firstBreak.reason,
              seq: v.firstBreak.seq,
              expected: v.firstBreak.expected,
              found: v.firstBreak.found,
            }
          : null,
        lastCheckpointSeq: v.checkpoints.latest?.headSeq ?? null,
        verifiedAt: v.verifiedAt,
        checkpointsChecked: v.checkpoints.checked,
      };
    },
    async latestCheckpoint() {
      const c = await integrity.latestCheckpoint();
      if (!c) return null;
      const key = integrity.publicKey();
      return {
        seq: c.headSeq,
        hash: c.headHash,
        signedAt: c.signedAt,
        signature: c.signature,
        algorithm: key.algorithm,
        keyId: c.keyId,
        signedMessage: checkpointMessage(c).toString('utf8'),
        publicKeyPem: key.publicKeyPem,
      };
    },
  };
}

export function accessSourceFrom(access: AccessService): AccessSource {
  return {
    async summarise(from, to) {
      // The access module refuses an empty period; an empty period has no decisions.
      if (!(from.getTime() < to.getTime())) return { rows: [], topDenialReasons: [] };
      const summary = await access.summarise(from, to);
      const toRow = (r: AccessSummary['byApplicationPurposeOutcome'][number]) => ({
        applicationId: r.applicationId,
        application: r.applicationName ?? r.applicationId,
        purposeCode: r.purposeCode,
        outcome: r.decision,
        count: r.count,
      });
      return {
        rows: summary.byApplicationPurposeOutcome.map(toRow),
        archiveRows: summary.archiveAccesses.map(toRow),
        topDenialReasons: summary.topDenialReasons,
      };
    },
    async perDay(from, to) {
      const rows = await access.decisionsPerDay(from, to);
      return rows.map((r) => ({ day: r.day, outcome: r.decision, count: r.count }));
    },
  };
}

export function retentionSourceFrom(retention: RetentionService): RetentionSource {
  return {
    async summarise(from, to) {
      const s = await retention.summarise(from, to);
      return {
        runs: s.runs,
        failedRuns: s.failedRuns,
        rows: s.rows.map((r) => ({
          systemKey: r.systemCode,
          datasetKey: r.datasetName,
          deleted: r.deleted,
          anonymised: r.anonymised,
          held: r.held,
          failures: r.errors,
        })),
        failures: s.failures.map((f) => ({
          runId: f.runId,
          systemKey: f.systemCode,
          datasetKey: f.datasetName,
          message: f.message,
        })),
      };
    },
    async overdue() {
      const { items } = await retention.overdue();
      return items.map((d) => ({
        systemKey: d.system,
        datasetKey: d.dataset,
        purposeCode: null,
        count: d.dueRows ?? 0,
        note: d.error ?? (d.measurable ? null : `not measurable (${d.executor})`),
      }));
    },
  };
}

export function organisationSourceFrom(organisation: OrganisationService): OrganisationSource {
  return {
    async get() {
      const o = await organisation.find();
      if (!o) return null;
      return {
        name: o.name,
        address: o.address,
        contact: o.contact,
        establishedInEu: o.establishedInEu,
        dpo: o.dpo,
        representative: o.representative,
        version: o.version,
        updatedAt: new Date(o.updatedAt).toISOString(),
      };
    },
  };
}

export function processorSourceFrom(processors: ProcessorsService): ProcessorSource {
  return {
    async list() {
      const items = await processors.list();
      return items.map((p) => ({
        code: p.code,
        name: p.name,
        contact: p.contact,
        country: p.country,
        service: p.service,
        agreement: p.agreement
          ? {
              signedOn: p.agreement.signedOn ?? null,
              reference: p.agreement.reference ?? null,
              reviewOn: p.agreement.reviewOn ?? null,
            }
          : null,
        transfers: p.transfers.map((t) => ({
          country: t.country,
          subProcessor: t.subProcessor,
          mechanism: t.mechanism,
          reference: t.reference,
        })),
      }));
    },
  };
}
