/** Vocabulary and pure rules of the data inventory (systems, datasets, personal-data fields, bindings). */
import { describeRetention } from '../../common/time/retention-words';

export enum SystemKind {
  /** A PostgreSQL database Finalité can reach (scan, retention). */
  Postgres = 'postgres',
  /** A MySQL 8 or MariaDB 10.6+ database Finalité can reach (scan, retention; ADR 0049). */
  Mysql = 'mysql',
  /** A system that erases on request through a signed webhook. */
  Webhook = 'webhook',
  /** A system a person handles (manual tasks). */
  Manual = 'manual',
}

/** The kinds whose database Finalité reads itself (a connection string; scan, purge, overdue view). */
export const DATABASE_KINDS: readonly SystemKind[] = [SystemKind.Postgres, SystemKind.Mysql];

export function isDatabaseKind(kind: SystemKind | string): boolean {
  return (DATABASE_KINDS as readonly string[]).includes(kind);
}

/** The URL scheme a database kind's connection string must have. */
export const CONNECTION_SCHEMES: Record<string, RegExp> = {
  [SystemKind.Postgres]: /^postgres(ql)?:$/,
  [SystemKind.Mysql]: /^mysql:$/,
};

/**
 * What is wrong with a connection string for a kind (null: acceptable). Checked before it is
 * encrypted, so that a typo is a 400 and not a failed run: a URL of the kind's scheme with a host
 * and, for mysql, a database (the one Finalité's purge ledger lives in; ADR 0049).
 */
export function connectionStringProblem(kind: SystemKind | string, value: string): string | null {
  const mysql = kind === (SystemKind.Mysql as string);
  const scheme = CONNECTION_SCHEMES[kind];
  if (!scheme) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `connectionString is not a URL (expected ${mysql ? 'mysql://user:password@host:port/database' : 'postgres://user:password@host:port/database'})`;
  }
  if (!scheme.test(url.protocol)) {
    return mysql
      ? 'a mysql system needs a mysql:// connection string (mysql://user:password@host:port/database)'
      : 'a postgres system needs a postgres:// or postgresql:// connection string';
  }
  if (!url.hostname) return 'connectionString has no host';
  if (mysql) {
    const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (!/^[A-Za-z_][A-Za-z0-9_$]{0,63}$/.test(database)) {
      return 'a mysql connection string names its database (mysql://user:password@host:port/database; letters, digits, _ and $)';
    }
    if (url.port && !/^\d{1,5}$/.test(url.port)) return 'connectionString has an invalid port';
  }
  return null;
}

/**
 * What a system declares besides its code, in register-document order: the properties the API
 * writes, the keys of a system in the register document, and the system part of every snapshot.
 */
export const SYSTEM_PROPERTIES = [
  'name',
  'description',
  'owner',
  'hostingLocation',
  'hostingCountry',
  'kind',
  'webhookUrl',
  'retentionSchedule',
  'processorCode',
] as const;
export type SystemProperty = (typeof SYSTEM_PROPERTIES)[number];

export enum DataCategory {
  Identity = 'identity',
  Contact = 'contact',
  Location = 'location',
  Financial = 'financial',
  OnlineIdentifiers = 'online_identifiers',
  Behaviour = 'behaviour',
  Health = 'health',
  Biometric = 'biometric',
  Genetic = 'genetic',
  RacialEthnicOrigin = 'racial_ethnic_origin',
  PoliticalOpinions = 'political_opinions',
  ReligiousBeliefs = 'religious_beliefs',
  TradeUnion = 'trade_union',
  SexLifeOrientation = 'sex_life_orientation',
  CriminalConvictions = 'criminal_convictions',
  Other = 'other',
}

/** Art. 9(1) special categories and art. 10 criminal data: processing needs a recorded condition. */
export const SPECIAL_CATEGORIES: ReadonlySet<DataCategory> = new Set([
  DataCategory.Health,
  DataCategory.Biometric,
  DataCategory.Genetic,
  DataCategory.RacialEthnicOrigin,
  DataCategory.PoliticalOpinions,
  DataCategory.ReligiousBeliefs,
  DataCategory.TradeUnion,
  DataCategory.SexLifeOrientation,
  DataCategory.CriminalConvictions,
]);

export function isSpecialCategory(category: DataCategory | string): boolean {
  return SPECIAL_CATEGORIES.has(category as DataCategory);
}

export enum FieldAction {
  Read = 'read',
  Write = 'write',
  Export = 'export',
  Share = 'share',
  Profile = 'profile',
}

export enum FieldObligation {
  Mask = 'mask',
  Pseudonymise = 'pseudonymise',
  AggregateOnly = 'aggregate_only',
}

export enum AnonymisationStrategy {
  Nullify = 'nullify',
  Hash = 'hash',
  Generalise = 'generalise',
  Fixed = 'fixed',
}

export interface Anonymisation {
  strategy: AnonymisationStrategy;
  /** The replacement for `fixed`; a granularity hint for `generalise` (e.g. "year", "postcode-prefix"). */
  value?: string;
}

/**
 * What the retention engine does to a field when no strategy is declared. Identifiers that other
 * records join on are hashed (links survive, the value does not); special categories are removed.
 */
const DEFAULT_STRATEGY: Record<DataCategory, AnonymisationStrategy> = {
  [DataCategory.Identity]: AnonymisationStrategy.Nullify,
  [DataCategory.Contact]: AnonymisationStrategy.Hash,
  [DataCategory.Location]: AnonymisationStrategy.Generalise,
  [DataCategory.Financial]: AnonymisationStrategy.Nullify,
  [DataCategory.OnlineIdentifiers]: AnonymisationStrategy.Hash,
  [DataCategory.Behaviour]: AnonymisationStrategy.Nullify,
  [DataCategory.Health]: AnonymisationStrategy.Nullify,
  [DataCategory.Biometric]: AnonymisationStrategy.Nullify,
  [DataCategory.Genetic]: AnonymisationStrategy.Nullify,
  [DataCategory.RacialEthnicOrigin]: AnonymisationStrategy.Nullify,
  [DataCategory.PoliticalOpinions]: AnonymisationStrategy.Nullify,
  [DataCategory.ReligiousBeliefs]: AnonymisationStrategy.Nullify,
  [DataCategory.TradeUnion]: AnonymisationStrategy.Nullify,
  [DataCategory.SexLifeOrientation]: AnonymisationStrategy.Nullify,
  [DataCategory.CriminalConvictions]: AnonymisationStrategy.Nullify,
  [DataCategory.Other]: AnonymisationStrategy.Nullify,
};

/** Dates (birth date, last login…) are generalised whatever their category: the year keeps statistics. */
const DATE_COLUMN = /(^|_)(date|dob|birth|born|at|on|time|timestamp)($|_)/i;

export function defaultAnonymisation(category: DataCategory, column?: string): Anonymisation {
  if (!isSpecialCategory(category) && column && DATE_COLUMN.test(column)) {
    return { strategy: AnonymisationStrategy.Generalise, value: 'year' };
  }
  return { strategy: DEFAULT_STRATEGY[category] ?? AnonymisationStrategy.Nullify };
}

export function anonymisationProblem(a: Anonymisation | null | undefined): string | null {
  if (!a) return null;
  if (a.strategy === AnonymisationStrategy.Fixed && (a.value === undefined || a.value === '')) {
    return 'anonymisation strategy "fixed" needs a replacement value';
  }
  return null;
}

/** SQL identifiers of customer databases: later quoted and used in SQL, so kept to a safe alphabet. */
export const SQL_IDENTIFIER = /^[a-z_][a-z0-9_$]{0,62}$/i;
/** `schema.table`, both parts SQL identifiers. */
export const DATASET_NAME = /^[a-z_][a-z0-9_$]{0,62}\.[a-z_][a-z0-9_$]{0,62}$/i;
/** System codes are slugs without dots, so that a field key splits unambiguously. */
export const SYSTEM_CODE = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
/** `<system>.<table>.<column>` (schema public) or `<system>.<schema>.<table>.<column>`. */
export const FIELD_KEY = /^[a-z0-9]+(?:[-_][a-z0-9]+)*(?:\.[a-z_][a-z0-9_$]{0,62}){2,3}$/i;

export const DEFAULT_SCHEMA = 'public';

/**
 * What a purge does with a wholly due row that other rows still reference (ADR 0051):
 * `anonymise` it (the default), or first purge the registered child datasets of the same system
 * (`purge_children_first`: the dataset comes last in its system's part of a run), then anonymise
 * what is still referenced.
 */
export const REFERENCED_ROWS_MODES = ['anonymise', 'purge_children_first'] as const;
export type ReferencedRowsMode = (typeof REFERENCED_ROWS_MODES)[number];
export const DEFAULT_REFERENCED_ROWS: ReferencedRowsMode = 'anonymise';

export function splitDatasetName(name: string): { schema: string; table: string } {
  const [schema, table] = name.split('.');
  return { schema, table };
}

/**
 * The key of a field. The schema is left out when it is `public` (the common case, and the form the
 * issue uses: `crm.customers.email`); any other schema is written in full: `crm.billing.invoices.iban`.
 */
export function fieldKeyOf(systemCode: string, datasetName: string, column: string): string {
  const { schema, table } = splitDatasetName(datasetName);
  return schema === DEFAULT_SCHEMA
    ? `${systemCode}.${table}.${column}`
    : `${systemCode}.${schema}.${table}.${column}`;
}

/** Quotes a checked identifier for SQL (the check is what makes this safe; quoting keeps case). */
export function quoteIdentifier(identifier: string): string {
  if (!SQL_IDENTIFIER.test(identifier)) throw new Error(`Refusing unsafe SQL identifier "${identifier}"`);
  return `"${identifier}"`;
}

/** What a binding rule check needs to know of a purpose. */
export interface BindablePurpose {
  code: string;
  status: 'draft' | 'active' | 'retired';
  specialCategoryCondition: string | null;
  retention: { duration: string; trigger: string } | null;
}

export interface BindingProblem {
  purposeCode: string;
  reason: 'unknown_purpose' | 'retired_purpose' | 'special_category_without_condition' | 'duplicate';
  message: string;
}

/**
 * Rules for binding a field to purposes: the purpose must exist; a retired purpose may keep a
 * binding it already had but never gain one; a special-category field needs a purpose that records
 * an art. 9(2) (or art. 10) condition.
 */
export function checkBindings(
  field: { key: string; dataCategory: DataCategory | string },
  purposeCodes: string[],
  purposes: Map<string, BindablePurpose>,
  alreadyBound: ReadonlySet<string> = new Set(),
): BindingProblem[] {
  const problems: BindingProblem[] = [];
  const seen = new Set<string>();
  const special = isSpecialCategory(field.dataCategory);
  for (const code of purposeCodes) {
    if (seen.has(code)) {
      problems.push({ purposeCode: code, reason: 'duplicate', message: `purpose "${code}" is listed twice` });
      continue;
    }
    seen.add(code);
    const purpose = purposes.get(code);
    if (!purpose) {
      problems.push({
        purposeCode: code,
        reason: 'unknown_purpose',
        message: `purpose "${code}" does not exist`,
      });
      continue;
    }
    if (purpose.status === 'retired' && !alreadyBound.has(code)) {
      problems.push({
        purposeCode: code,
        reason: 'retired_purpose',
        message: `purpose "${code}" is retired: no new field can be bound to it`,
      });
    }
    if (special && !purpose.specialCategoryCondition) {
      problems.push({
        purposeCode: code,
        reason: 'special_category_without_condition',
        message:
          `field "${field.key}" holds special-category data (${field.dataCategory}, art. 9/10 GDPR): ` +
          `purpose "${code}" must record an art. 9(2) condition (specialCategoryCondition) before it can be bound`,
      });
    }
  }
  return problems;
}

export enum FieldFlag {
  /** No purpose justifies holding the field. */
  Unbound = 'unbound',
  /** Every purpose the field is bound to is retired: nothing justifies it any more. */
  OnlyRetiredPurposes = 'only_retired_purposes',
  /** A special-category field bound to a purpose that (no longer) records an art. 9(2) condition. */
  SpecialCategoryWithoutCondition = 'special_category_without_condition',
  /**
   * The column is NOT NULL (last catalogue scan) and the field is left on "nullify": retention
   * cannot anonymise it in place (its values go only with their rows); choose fixed, hash or generalise.
   */
  NotNullColumnOnNullify = 'not_null_column_on_nullify',
}

export function fieldFlags(
  dataCategory: DataCategory | string,
  bound: (BindablePurpose | undefined)[],
): FieldFlag[] {
  const flags: FieldFlag[] = [];
  if (bound.length === 0) return [FieldFlag.Unbound];
  if (bound.every((p) => !p || p.status === 'retired')) flags.push(FieldFlag.OnlyRetiredPurposes);
  if (isSpecialCategory(dataCategory) && bound.some((p) => p && !p.specialCategoryCondition)) {
    flags.push(FieldFlag.SpecialCategoryWithoutCondition);
  }
  return flags;
}

export interface EffectiveRetention {
  duration: string;
  trigger: string;
  /** The purpose whose retention is the longest (the one that justifies keeping the field). */
  purposeCode: string;
  /** The same rule in words, in each language the console and the reports speak. */
  words: { en: string; fr: string };
}

/**
 * A field is kept as long as its longest-retained active purpose needs it. Drafts and retired
 * purposes justify nothing. Ties keep the first purpose in code order, for a stable answer.
 */
export function effectiveRetention(
  bound: BindablePurpose[],
  compare: (a: string, b: string) => number,
): EffectiveRetention | null {
  let best: EffectiveRetention | null = null;
  for (const p of [...bound].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))) {
    if (p.status !== 'active' || !p.retention) continue;
    if (!best || compare(p.retention.duration, best.duration) > 0) {
      best = {
        duration: p.retention.duration,
        trigger: p.retention.trigger,
        purposeCode: p.code,
        words: retentionWords(p.retention),
      };
    }
  }
  return best;
}

function retentionWords(r: { duration: string; trigger: string }): { en: string; fr: string } {
  return { en: describeRetention(r, 'en') ?? r.duration, fr: describeRetention(r, 'fr') ?? r.duration };
}
