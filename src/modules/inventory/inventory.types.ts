/**
 * What other modules receive from InventoryReadModel (the access check, the retention engine, the
 * reports). Plain types: no entities leave the module.
 */
import type { Anonymisation, ReferencedRowsMode, SystemKind } from './inventory.model';
import type { MissingColumn, UnregisteredColumn } from './entities/system-scan.entity';

export type { Anonymisation } from './inventory.model';
export type { MissingColumn, UnregisteredColumn } from './entities/system-scan.entity';

export interface PolicyInventoryField {
  key: string;
  systemCode: string;
  /** `schema.table` */
  dataset: string;
  column: string;
  dataCategory: string;
  special: boolean;
}

export interface PolicyInventoryBinding {
  fieldKey: string;
  purposeCode: string;
  actions: string[];
  obligation: string | null;
  appliesToSubPurposes: boolean;
}

/** Everything the access check compiles its policy from, in one read. */
export interface PolicyInventory {
  fields: PolicyInventoryField[];
  bindings: PolicyInventoryBinding[];
}

export interface RetentionTimestampColumns {
  collection?: string;
  lastInteraction?: string;
  contractEnd?: string;
}

export interface RetentionFieldPlan {
  key: string;
  column: string;
  dataCategory: string;
  special: boolean;
  /** Effective strategy: declared on the field, else the default of its category. */
  anonymisation: Anonymisation;
  bindings: { purposeCode: string; anonymisation?: Anonymisation }[];
}

/** One dataset as the retention engine needs it. Holds decrypted secrets: internal use only. */
export interface RetentionDatasetPlan {
  system: {
    code: string;
    kind: SystemKind;
    /** Decrypted; never log or return it. */
    connectionString?: string;
    webhookUrl?: string;
    /** Decrypted; never log or return it. */
    webhookSecret?: string;
    retentionSchedule?: string;
  };
  dataset: {
    id: string;
    name: string;
    schema: string;
    table: string;
    primaryKey: string[];
    subjectColumn: string | null;
    timestampColumns: RetentionTimestampColumns;
    /** `schema.table` of the intermediate archive (ADR 0052), or null. */
    archiveTable?: string | null;
    /** Rows other rows reference (ADR 0051); absent: `anonymise`. Orders the run's datasets. */
    referencedRows?: ReferencedRowsMode;
  };
  fields: RetentionFieldPlan[];
}

export interface RetentionPlanFilter {
  systemCode?: string;
  datasetId?: string;
}

/** What the last scan of one system found that the register does not describe. */
export interface SystemScanFindings {
  systemCode: string;
  scannedAt: Date;
  /** Columns still unregistered (columns registered since the scan are left out). */
  unregistered: UnregisteredColumn[];
  /** Registered fields whose column the database did not have at scan time. */
  missing: MissingColumn[];
}
