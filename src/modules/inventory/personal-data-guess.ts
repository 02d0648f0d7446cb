import { DataCategory, FIELD_KEY, fieldKeyOf, SQL_IDENTIFIER } from './inventory.model';

export interface PersonalDataGuess {
  likelyPersonal: boolean;
  suggestedCategory: DataCategory | null;
  /** The name pattern that matched, so the DPO sees why a column was suspected. */
  reason: string | null;
}

/**
 * Column-name patterns, most specific first (a "birth_place" is a location before it is a date).
 * A heuristic for the DPO's to-do list, never a decision: false positives cost a glance, false
 * negatives are why the scan lists every unregistered column, suspected or not.
 *
 * Names are matched in snake_case (camelCase and other separators are turned into `_`). Short or
 * common tokens are anchored on word boundaries, `(^|_)…($|_)`, so that `race` does not match
 * `trace_id` or `grace_period`, `nir` does not match `environment`, nor `pan` `timespan`.
 */
const PATTERNS: [RegExp, DataCategory, string][] = [
  [/e_?mail/, DataCategory.Contact, 'e-mail'],
  [/phone|mobile|(^|_)(gsm|fax|msisdn)($|_)/, DataCategory.Contact, 'phone number'],
  [
    /iban|(^|_)(bic|swift)(_?code)?($|_)|account_?(no|num)|card_?(no|num)|(^|_)pan($|_)|credit_?card|salary|income/,
    DataCategory.Financial,
    'financial',
  ],
  [
    /(^|_)(ip|ip_?addr(ess)?|ipv[46])($|_)|user_?agent|(^|_)ua($|_)|device_?id|visitor|cookie|session_?id|(^|_)imei($|_)|mac_?addr|fingerprint_?hash/,
    DataCategory.OnlineIdentifiers,
    'online identifier',
  ],
  // A password hash is personal data (it authenticates one person) and a credential: Sakila's
  // `staff.password` went unsuspected before.
  [
    /(^|_)(password|passwd|pwd)($|_)|pass(word)?_?hash/,
    DataCategory.OnlineIdentifiers,
    'credential (password or its hash)',
  ],
  // A key that points at a person (Sakila's `payment.customer_id`): the row is about that person,
  // whatever else it holds, and its column is usually the dataset's subject column.
  [
    /(^|_)(customer|client|user|member|subscriber|person|patient|employee|staff|contact|buyer|prospect)_?(id|ref|uuid|number|no)$/,
    DataCategory.Identity,
    'reference to a person',
  ],
  [
    /(^|_)(ssn|nir)($|_)|social_?security|passport|(^|_)(national|tax)_?id|driver_?licen[cs]e|(^|_)id_?card/,
    DataCategory.Identity,
    'national identifier',
  ],
  [
    /birth_?place|address|street|(^|_)(city|zip(_?code)?|lat|lng|lon|geo|location)($|_)|post_?code|postal|latitude|longitude/,
    DataCategory.Location,
    'address or location',
  ],
  [/birth|(^|_)(dob|age)($|_)/, DataCategory.Identity, 'birth date or age'],
  [
    /first_?name|last_?name|surname|given_?name|family_?name|full_?name|maiden|(^|_)name($|_)|nickname|username|login/,
    DataCategory.Identity,
    'name',
  ],
  [
    /gender|(^|_)sex($|_)|nationality|photo|picture|portrait|avatar|signature/,
    DataCategory.Identity,
    'identity attribute',
  ],
  [
    /health|medical|diagnos|allerg|disabilit|blood|prescription|treatment|pregnan/,
    DataCategory.Health,
    'health',
  ],
  [/fingerprint|face_?(id|print)|biometric|retina|(^|_)iris($|_)/, DataCategory.Biometric, 'biometric'],
  [/genetic|(^|_)dna($|_)|genome/, DataCategory.Genetic, 'genetic'],
  [/ethnic|(^|_)races?($|_)|racial/, DataCategory.RacialEthnicOrigin, 'racial or ethnic origin'],
  [/religio|faith/, DataCategory.ReligiousBeliefs, 'religious belief'],
  [/political|party_?member/, DataCategory.PoliticalOpinions, 'political opinion'],
  [/union_?member|trade_?union/, DataCategory.TradeUnion, 'trade-union membership'],
  [/sexual|^orientation$/, DataCategory.SexLifeOrientation, 'sex life or orientation'],
  [/criminal|conviction|offen[cs]e|police_?record/, DataCategory.CriminalConvictions, 'criminal record'],
  [
    /last_?login|last_?seen|click|visit|purchase_?history|preference|(^|_)score($|_)|segment/,
    DataCategory.Behaviour,
    'behaviour',
  ],
];

/** A column name in lower snake_case: `traceId` → `trace_id`, `grace-period` → `grace_period`. */
export function snakeCaseName(column: string): string {
  return column
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * Column types that hold personal data whatever the column is called, in the databases of
 * marketing tools (web analytics, e-mailing): a 4-, 8- or 16-byte binary is an IP address or a
 * visitor id (Matomo's `location_ip VARBINARY(16)`, `idvisitor BINARY(8)`), a BLOB a picture or a
 * document. Checked after the names (a name says more than a type).
 */
const TYPE_PATTERNS: [RegExp, DataCategory, string][] = [
  [
    /^(var)?binary\((4|8|16)\)$|^inet$/,
    DataCategory.OnlineIdentifiers,
    'binary identifier (IP address or visitor id)',
  ],
  [/^(tiny|medium|long)?blob$|^bytea$/, DataCategory.Identity, 'binary content (picture or document)'],
];

export function guessPersonalData(column: string, dataType?: string): PersonalDataGuess {
  const name = snakeCaseName(column);
  for (const [pattern, category, reason] of PATTERNS) {
    if (pattern.test(name)) return { likelyPersonal: true, suggestedCategory: category, reason };
  }
  const type = (dataType ?? '').toLowerCase().trim();
  for (const [pattern, category, reason] of TYPE_PATTERNS) {
    if (pattern.test(type)) return { likelyPersonal: true, suggestedCategory: category, reason };
  }
  return { likelyPersonal: false, suggestedCategory: null, reason: null };
}

/**
 * The key a catalogue column would get as a field, or null when it cannot be registered: the
 * register keeps schema, table and column to SQL identifiers (they are later quoted into SQL), so
 * a name with spaces, hyphens or non-ASCII letters gets no (unusable) suggested key.
 */
export function suggestedFieldKey(
  systemCode: string,
  schema: string,
  table: string,
  column: string,
): string | null {
  if (![schema, table, column].every((name) => SQL_IDENTIFIER.test(name))) return null;
  const key = fieldKeyOf(systemCode, `${schema}.${table}`, column);
  return FIELD_KEY.test(key) ? key : null;
}
