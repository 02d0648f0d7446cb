import { DataCategory } from './inventory.model';

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
 */
const PATTERNS: [RegExp, DataCategory, string][] = [
  [/e_?mail/, DataCategory.Contact, 'e-mail'],
  [/phone|mobile|gsm|fax|msisdn|telephone/, DataCategory.Contact, 'phone number'],
  [
    /iban|bic|swift|account_?(no|num)|card_?(no|num)|pan$|credit_?card|salary|income/,
    DataCategory.Financial,
    'financial',
  ],
  [
    /(^|_)(ip|ip_?addr(ess)?|ipv[46])($|_)|user_?agent|device_?id|cookie|session_?id|imei|mac_?addr/,
    DataCategory.OnlineIdentifiers,
    'online identifier',
  ],
  [
    /ssn|social_?security|nir|passport|national_?id|tax_?id|driver_?licen[cs]e|id_?card/,
    DataCategory.Identity,
    'national identifier',
  ],
  [
    /birth_?place|address|street|city|zip|post_?code|postal|latitude|longitude|(^|_)(lat|lng|lon|geo|location)($|_)/,
    DataCategory.Location,
    'address or location',
  ],
  [/birth|dob|(^|_)age($|_)/, DataCategory.Identity, 'birth date or age'],
  [
    /first_?name|last_?name|surname|given_?name|family_?name|full_?name|maiden|(^|_)name($|_)|nickname|username|login/,
    DataCategory.Identity,
    'name',
  ],
  [/gender|(^|_)sex($|_)|nationality|photo|avatar|signature/, DataCategory.Identity, 'identity attribute'],
  [/health|medical|diagnos|allerg|disab|blood|prescription|treatment|pregnan/, DataCategory.Health, 'health'],
  [/fingerprint|face_?(id|print)|biometric|retina|iris/, DataCategory.Biometric, 'biometric'],
  [/genetic|dna|genome/, DataCategory.Genetic, 'genetic'],
  [/ethnic|race|racial/, DataCategory.RacialEthnicOrigin, 'racial or ethnic origin'],
  [/religio|faith/, DataCategory.ReligiousBeliefs, 'religious belief'],
  [/political|party_?member/, DataCategory.PoliticalOpinions, 'political opinion'],
  [/union_?member|trade_?union/, DataCategory.TradeUnion, 'trade-union membership'],
  [/sexual|orientation/, DataCategory.SexLifeOrientation, 'sex life or orientation'],
  [/criminal|conviction|offen[cs]e|police_?record/, DataCategory.CriminalConvictions, 'criminal record'],
  [
    /last_?login|last_?seen|click|visit|purchase_?history|preference|(^|_)score($|_)|segment/,
    DataCategory.Behaviour,
    'behaviour',
  ],
];

export function guessPersonalData(column: string): PersonalDataGuess {
  const name = column.toLowerCase();
  for (const [pattern, category, reason] of PATTERNS) {
    if (pattern.test(name)) return { likelyPersonal: true, suggestedCategory: category, reason };
  }
  return { likelyPersonal: false, suggestedCategory: null, reason: null };
}
