import { compareIsoDurations } from '../../common/time/iso-duration';
import type { PurposeView } from '../purposes/purposes.service';
import type { DatasetResponseDto } from './dto/dataset.dto';
import type { FieldBindingResponseDto, PersonalFieldResponseDto } from './dto/field.dto';
import type { SystemResponseDto } from './dto/system.dto';
import type { FieldPurposeEntity } from './entities/field-purpose.entity';
import type { InventoryDatasetEntity } from './entities/inventory-dataset.entity';
import type { InventorySystemEntity } from './entities/inventory-system.entity';
import type { PersonalFieldEntity } from './entities/personal-field.entity';
import {
  FieldFlag,
  Anonymisation,
  BindablePurpose,
  DEFAULT_REFERENCED_ROWS,
  defaultAnonymisation,
  effectiveRetention,
  fieldFlags,
  splitDatasetName,
  SYSTEM_PROPERTIES,
  SystemProperty,
} from './inventory.model';

/** The whole inventory read at once: the register is small (thousands of fields, not millions). */
export interface InventoryState {
  systemsById: Map<string, InventorySystemEntity>;
  datasetsById: Map<string, InventoryDatasetEntity>;
  fields: PersonalFieldEntity[];
  bindingsByField: Map<string, FieldPurposeEntity[]>;
  purposes: Map<string, BindablePurpose>;
  /** Field keys whose column the last scan found NOT NULL (absent: not read, nothing flagged). */
  notNullColumns?: Set<string>;
}

export function bindablePurposes(views: PurposeView[]): Map<string, BindablePurpose> {
  return new Map(
    views.map((p) => [
      p.code,
      {
        code: p.code,
        status: p.status,
        specialCategoryCondition: p.specialCategoryCondition ?? null,
        retention: p.retention ? { duration: p.retention.duration, trigger: p.retention.trigger } : null,
      },
    ]),
  );
}

/** A system's code and declared properties, in register-document order. */
export function systemDeclaration(
  s: InventorySystemEntity,
): Pick<InventorySystemEntity, 'code' | SystemProperty> {
  const declared = { code: s.code } as Record<string, unknown>;
  for (const key of SYSTEM_PROPERTIES) declared[key] = s[key];
  return declared as Pick<InventorySystemEntity, 'code' | SystemProperty>;
}

/** Whether each secret is stored (the secrets themselves never leave the service). */
function storedSecrets(s: InventorySystemEntity) {
  return {
    hasConnection: s.connectionStringEncrypted !== null,
    hasWebhookSecret: s.webhookSecretEncrypted !== null,
  };
}

/** What a system declares, as audited and compared (secrets only as "is one stored"). */
export function systemSnapshot(s: InventorySystemEntity): Record<string, unknown> {
  return { ...systemDeclaration(s), ...storedSecrets(s) };
}

export function toSystemResponse(s: InventorySystemEntity, datasetCount: number): SystemResponseDto {
  return {
    id: s.id,
    ...systemDeclaration(s),
    ...storedSecrets(s),
    datasetCount,
    version: s.version,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

export function datasetSnapshot(d: InventoryDatasetEntity, systemCode: string): Record<string, unknown> {
  return {
    systemCode,
    name: d.name,
    description: d.description,
    primaryKey: d.primaryKey,
    subjectColumn: d.subjectColumn,
    timestampColumns: d.timestampColumns,
    // Only when declared: the history of datasets without an archive keeps its shape.
    ...(d.archiveTable ? { archive: { table: d.archiveTable } } : {}),
    // Likewise only when not the default, so that the history of other datasets is unchanged.
    ...(d.referencedRows && d.referencedRows !== DEFAULT_REFERENCED_ROWS
      ? { referencedRows: d.referencedRows }
      : {}),
  };
}

export function toDatasetResponse(
  d: InventoryDatasetEntity,
  systemCode: string,
  fieldCount: number,
): DatasetResponseDto {
  const { schema, table } = splitDatasetName(d.name);
  return {
    id: d.id,
    systemCode,
    name: d.name,
    schema,
    table,
    description: d.description,
    primaryKey: d.primaryKey,
    subjectColumn: d.subjectColumn,
    timestampColumns: d.timestampColumns,
    archive: d.archiveTable ? { table: d.archiveTable } : null,
    referencedRows: d.referencedRows ?? DEFAULT_REFERENCED_ROWS,
    fieldCount,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

export function bindingSnapshot(b: FieldPurposeEntity): Record<string, unknown> {
  return {
    purposeCode: b.purposeCode,
    actions: b.actions,
    obligation: b.obligation,
    appliesToSubPurposes: b.appliesToSubPurposes,
    anonymisation: b.anonymisation,
  };
}

export function fieldSnapshot(
  f: PersonalFieldEntity,
  bindings: FieldPurposeEntity[],
): Record<string, unknown> {
  return {
    key: f.key,
    column: f.columnName,
    dataCategory: f.dataCategory,
    special: f.special,
    description: f.description,
    anonymisation: f.anonymisation,
    bindings: sortBindings(bindings).map(bindingSnapshot),
  };
}

export function effectiveAnonymisation(f: PersonalFieldEntity): Anonymisation {
  return f.anonymisation ?? defaultAnonymisation(f.dataCategory, f.columnName);
}

export function sortBindings(bindings: FieldPurposeEntity[]): FieldPurposeEntity[] {
  return [...bindings].sort((a, b) => byString(a.purposeCode, b.purposeCode));
}

export function toFieldResponse(f: PersonalFieldEntity, state: InventoryState): PersonalFieldResponseDto {
  const dataset = state.datasetsById.get(f.datasetId)!;
  const system = state.systemsById.get(dataset.systemId)!;
  const bindings = sortBindings(state.bindingsByField.get(f.id) ?? []);
  const bound = bindings.map((b) => state.purposes.get(b.purposeCode));
  return {
    id: f.id,
    key: f.key,
    systemCode: system.code,
    dataset: dataset.name,
    column: f.columnName,
    dataCategory: f.dataCategory,
    special: f.special,
    description: f.description,
    anonymisation: effectiveAnonymisation(f),
    anonymisationIsDefault: f.anonymisation === null,
    bindings: bindings.map((b): FieldBindingResponseDto => ({
      purposeCode: b.purposeCode,
      purposeStatus: state.purposes.get(b.purposeCode)?.status ?? 'unknown',
      actions: b.actions,
      obligation: b.obligation,
      appliesToSubPurposes: b.appliesToSubPurposes,
      anonymisation: b.anonymisation,
    })),
    purposeCodes: bindings.map((b) => b.purposeCode),
    effectiveRetention: effectiveRetention(
      bound.filter((p): p is BindablePurpose => p !== undefined),
      compareIsoDurations,
    ),
    flags: [
      ...fieldFlags(f.dataCategory, bound),
      ...(state.notNullColumns?.has(f.key) && nullifies(f, bindings)
        ? [FieldFlag.NotNullColumnOnNullify]
        : []),
    ],
    createdAt: f.createdAt,
    updatedAt: f.updatedAt,
  };
}

/** Whether the strategy retention applies is "nullify": a binding's wins (first by purpose code), then the field's. */
function nullifies(f: PersonalFieldEntity, sorted: FieldPurposeEntity[]): boolean {
  const chosen = sorted.find((b) => b.anonymisation)?.anonymisation ?? f.anonymisation;
  return (chosen?.strategy ?? 'nullify') === 'nullify';
}

export function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The timestamp columns a dataset declares, without the empty ones. */
export function compactTimestamps(
  t: { collection?: string; lastInteraction?: string; contractEnd?: string } | undefined,
) {
  const out: { collection?: string; lastInteraction?: string; contractEnd?: string } = {};
  if (t?.collection) out.collection = t.collection;
  if (t?.lastInteraction) out.lastInteraction = t.lastInteraction;
  if (t?.contractEnd) out.contractEnd = t.contractEnd;
  return out;
}
