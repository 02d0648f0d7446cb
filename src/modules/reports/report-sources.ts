/**
 * What the reports read from other modules, as narrow ports. The reports module binds each
 * port to the owning module's exported service through a small adapter (report-source.adapters.ts),
 * so the report builders neither depend on those services' internal shapes nor on which
 * modules a deployment enables: an unbound port makes its section say "not available".
 */
import type { AccessOutcome, AccessReason } from '../access/decision/access-reason';

export const INVENTORY_SOURCE = Symbol('ReportInventorySource');
export const CONSENT_SOURCE = Symbol('ReportConsentSource');
export const ACCESS_SOURCE = Symbol('ReportAccessSource');
export const RETENTION_SOURCE = Symbol('ReportRetentionSource');
export const AUDIT_INTEGRITY_SOURCE = Symbol('ReportAuditIntegritySource');
export const ORGANISATION_SOURCE = Symbol('ReportOrganisationSource');
export const PROCESSOR_SOURCE = Symbol('ReportProcessorSource');

/** A processor (art. 28) as the record of processing names it, with the transfers it makes. */
export interface ProcessorView {
  code: string;
  name: string;
  contact: string | null;
  country: string;
  service: string | null;
  agreement: { signedOn: string | null; reference: string | null; reviewOn: string | null } | null;
  /** Every transfer outside the EEA (its own locations and its sub-processors'), mechanism null if none. */
  transfers: {
    country: string;
    subProcessor: string | null;
    mechanism: string | null;
    reference: string | null;
  }[];
}

export interface ProcessorSource {
  list(): Promise<ProcessorView[]>;
}

/** The controller as the record of processing names it (art. 30(1)(a), art. 27). */
export interface OrganisationView {
  name: string;
  address: string;
  contact: string;
  establishedInEu: boolean;
  dpo: { name: string; contact: string } | null;
  representative: { name: string; contact: string } | null;
  version: number;
  updatedAt: string;
}

export interface OrganisationSource {
  /** Null when the DPO has not declared it yet. */
  get(): Promise<OrganisationView | null>;
}

export interface InventorySystemView {
  key: string;
  name: string;
  /** Whether Finalité can scan it (a database it reaches); others are never expected to be scanned. */
  scannable: boolean;
  lastScannedAt: Date | null;
  /** The processor operating it (null: in-house). */
  processorCode?: string | null;
}

export interface InventoryFieldView {
  key: string;
  systemKey: string;
  datasetKey: string;
  column: string;
  dataCategory: string | null;
  special: boolean;
  purposeCodes: string[];
  /** The register's field flags (e.g. not_null_column_on_nullify). */
  flags?: string[];
}

export interface UnregisteredColumnView {
  systemKey: string;
  datasetKey: string;
  column: string;
  scannedAt: Date | null;
}

export interface InventorySource {
  listSystems(): Promise<InventorySystemView[]>;
  /** Every personal field, read in keyset batches (memory stays flat for 100,000 fields). */
  iterateFields(): AsyncIterable<InventoryFieldView>;
  listUnregisteredColumns(): Promise<UnregisteredColumnView[]>;
}

export interface ConsentSource {
  hasConsentRecords(purposeCode: string): Promise<boolean>;
}

export interface AccessCountRow {
  applicationId: string;
  /** Display name of the application principal. */
  application: string;
  purposeCode: string;
  outcome: string;
  count: number;
}

export interface DenialReasonRow {
  reason: AccessReason;
  count: number;
}

export interface AccessSummaryView {
  rows: AccessCountRow[];
  /** The archive-phase decisions among rows, counted apart (ADR 0054); absent: none. */
  archiveRows?: AccessCountRow[];
  topDenialReasons: DenialReasonRow[];
}

export interface DailyDecisionRow {
  /** YYYY-MM-DD, UTC. */
  day: string;
  outcome: AccessOutcome;
  count: number;
}

export interface AccessSource {
  /** Decisions in [from, to), aggregated in the database (1 M decisions never reach memory). */
  summarise(from: Date, to: Date): Promise<AccessSummaryView>;
  /** Decisions in [from, to) per UTC day and outcome, aggregated in the database. */
  perDay(from: Date, to: Date): Promise<DailyDecisionRow[]>;
}

export interface RetentionVolumeRow {
  systemKey: string;
  datasetKey: string;
  deleted: number;
  anonymised: number;
  held: number;
  failures: number;
}

export interface RetentionSummaryView {
  runs: number;
  failedRuns: number;
  rows: RetentionVolumeRow[];
  failures: { runId: string; systemKey: string | null; datasetKey: string | null; message: string }[];
}

export interface OverdueRow {
  systemKey: string;
  datasetKey: string;
  purposeCode: string | null;
  count: number;
  /** Why the volume could not be measured (unreachable system, webhook or manual executor), if so. */
  note: string | null;
}

export interface RetentionSource {
  summarise(from: Date, to: Date): Promise<RetentionSummaryView>;
  overdue(): Promise<OverdueRow[]>;
}

export interface ChainHeadView {
  seq: number;
  hash: string;
  /** False when the chain up to this head does not verify: the document says so, never hides it. */
  verified: boolean;
}

export interface ChainVerificationView {
  valid: boolean;
  checkedEvents: number;
  fromSeq: number | null;
  toSeq: number | null;
  head: ChainHeadView | null;
  /** First broken link when invalid. */
  firstInvalidSeq: number | null;
  problem: string | null;
  /** What was found there: the verifier's reason code (e.g. truncated_tail), expected and found. */
  finding: { reason: string; seq: number; expected: string; found: string } | null;
  /** Sequence sealed by the latest checkpoint whose signature verified (null: none). */
  lastCheckpointSeq: number | null;
  verifiedAt: string;
  /** Signed checkpoints met on the way whose hash matched the chain. */
  checkpointsChecked: number;
}

export interface SignedCheckpointView {
  seq: number;
  hash: string;
  signedAt: string;
  signature: string;
  algorithm: string;
  keyId: string;
  /** Exactly the bytes that were signed, so that an auditor can re-check offline. */
  signedMessage: string;
  publicKeyPem: string;
}

export interface AuditIntegritySource {
  head(): Promise<ChainHeadView | null>;
  verify(): Promise<ChainVerificationView>;
  latestCheckpoint(): Promise<SignedCheckpointView | null>;
}
