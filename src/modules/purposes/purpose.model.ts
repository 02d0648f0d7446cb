/** Vocabulary of the purpose register (GDPR art. 6, 9, 30; CNIL record template). */

export enum PurposeStatus {
  Draft = 'draft',
  Active = 'active',
  Retired = 'retired',
}

/** Art. 6(1) a–f. */
export enum LegalBasis {
  Consent = 'consent',
  Contract = 'contract',
  LegalObligation = 'legal_obligation',
  VitalInterests = 'vital_interests',
  PublicTask = 'public_task',
  LegitimateInterests = 'legitimate_interests',
}

export enum RetentionTrigger {
  Collection = 'collection',
  LastInteraction = 'last_interaction',
  ContractEnd = 'contract_end',
  ConsentWithdrawal = 'consent_withdrawal',
}

/** Art. 9(2) a–j conditions lifting the ban on special-category data, and art. 10 (criminal data). */
export enum SpecialCategoryCondition {
  ExplicitConsent = 'explicit_consent', // 9(2)(a)
  EmploymentSocialSecurity = 'employment_social_security', // 9(2)(b)
  VitalInterests = 'vital_interests', // 9(2)(c)
  NotForProfitBody = 'not_for_profit_body', // 9(2)(d)
  MadePublicBySubject = 'made_public_by_subject', // 9(2)(e)
  LegalClaims = 'legal_claims', // 9(2)(f)
  SubstantialPublicInterest = 'substantial_public_interest', // 9(2)(g)
  HealthOrSocialCare = 'health_or_social_care', // 9(2)(h)
  PublicHealth = 'public_health', // 9(2)(i)
  ArchivingResearchStatistics = 'archiving_research_statistics', // 9(2)(j)
  OfficialAuthorityArt10 = 'official_authority_art10', // art. 10, criminal convictions
}

export interface Party {
  name: string;
  contact?: string;
}

export interface Processor extends Party {
  /** What the processor does for the controller (hosting, e-mailing…). */
  service?: string;
  country?: string;
}

export interface InternationalTransfer {
  /** ISO 3166-1 alpha-2 code of the destination country. */
  country: string;
  recipient?: string;
  /** Art. 44–49 safeguard: adequacy decision, SCCs, BCRs, derogation… */
  safeguard?: string;
}

/**
 * The intermediate archive phase after the active one (ADR 0052): the values the purpose needs
 * are moved to the dataset's archive table and kept there `duration` longer, for `legalReason`
 * (a limitation period…); optional here, its absence is a gap (ARCHIVE_PHASE_WITHOUT_LEGAL_REASON).
 */
export interface RetentionArchive {
  duration: string;
  legalReason?: string | null;
}

export interface Retention {
  duration: string;
  trigger: RetentionTrigger;
  archive?: RetentionArchive | null;
}

/**
 * The art. 30 content of a purpose that a sub-purpose inherits from its parent unless it
 * declares its own value. null/undefined means "not declared here".
 */
export interface InheritableDeclaration {
  legalBasis?: LegalBasis | null;
  legitimateInterest?: string | null;
  specialCategoryCondition?: SpecialCategoryCondition | null;
  controller?: Party | null;
  jointControllers?: Party[] | null;
  processors?: Processor[] | null;
  dataSubjectCategories?: string[] | null;
  dataCategories?: string[] | null;
  recipients?: string[] | null;
  /** Processors of the processor register (codes) among the recipients; free-text recipients stay. */
  recipientProcessors?: string[] | null;
  internationalTransfers?: InternationalTransfer[] | null;
  retention?: Retention | null;
  securityMeasures?: string[] | null;
  dpiaRequired?: boolean | null;
}

export const INHERITABLE_FIELDS = [
  'legalBasis',
  'legitimateInterest',
  'specialCategoryCondition',
  'controller',
  'jointControllers',
  'processors',
  'dataSubjectCategories',
  'dataCategories',
  'recipients',
  'recipientProcessors',
  'internationalTransfers',
  'retention',
  'securityMeasures',
  'dpiaRequired',
] as const satisfies readonly (keyof InheritableDeclaration)[];

export type InheritableField = (typeof INHERITABLE_FIELDS)[number];

/** Fields that travel together: a legitimate-interest text belongs to the legal basis it justifies. */
const INHERITED_TOGETHER: Partial<Record<InheritableField, InheritableField>> = {
  legitimateInterest: 'legalBasis',
};

export interface PurposeDeclaration extends InheritableDeclaration {
  code: string;
  name: string;
  description?: string | null;
  parentCode?: string | null;
  status: PurposeStatus;
}

export type EffectiveDeclaration = {
  [K in InheritableField]-?: NonNullable<InheritableDeclaration[K]> | null;
};

export interface ResolvedPurpose {
  effective: EffectiveDeclaration;
  /** For each field taken from an ancestor, that ancestor's code. */
  inheritedFrom: Partial<Record<InheritableField, string>>;
}

const isDeclared = (v: unknown) => v !== null && v !== undefined;

/**
 * Resolves what a purpose effectively declares: its own values, else the nearest ancestor's.
 * `chain` is the purpose followed by its ancestors, nearest first.
 */
export function resolveInheritance(chain: PurposeDeclaration[]): ResolvedPurpose {
  const effective = {} as Record<InheritableField, unknown>;
  const inheritedFrom: Partial<Record<InheritableField, string>> = {};
  for (const field of INHERITABLE_FIELDS) {
    const leader = INHERITED_TOGETHER[field] ?? field;
    const owner = chain.find((p) => isDeclared(p[leader]));
    // A field tied to another (legitimateInterest → legalBasis) comes from the same purpose.
    const source = leader === field ? owner : owner && isDeclared(owner[field]) ? owner : undefined;
    effective[field] = source ? source[field] : null;
    if (source && source !== chain[0]) inheritedFrom[field] = source.code;
  }
  return { effective: effective as EffectiveDeclaration, inheritedFrom };
}

/** Stable codes of the register rules, so that the console can word them in the user's language. */
export type RegisterRule =
  | 'legitimate_interest_required'
  | 'legitimate_interest_not_applicable'
  | 'consent_withdrawal_needs_consent'
  | 'legal_basis_required'
  | 'retention_required'
  | 'controller_required'
  | 'data_subjects_required'
  | 'parent_not_active';

export interface RuleViolation {
  property: string;
  rule: RegisterRule;
  message: string;
}

/** Coherence rules that hold in every status (checked on each write). */
export function checkDeclaration(effective: EffectiveDeclaration): RuleViolation[] {
  const problems: RuleViolation[] = [];
  if (effective.legalBasis === LegalBasis.LegitimateInterests && !effective.legitimateInterest?.trim()) {
    problems.push({
      property: 'legitimateInterest',
      rule: 'legitimate_interest_required',
      message: 'legitimateInterest is required when legalBasis is legitimate_interests (art. 6(1)(f))',
    });
  }
  if (effective.legalBasis !== LegalBasis.LegitimateInterests && effective.legitimateInterest) {
    problems.push({
      property: 'legitimateInterest',
      rule: 'legitimate_interest_not_applicable',
      message: 'legitimateInterest only applies when legalBasis is legitimate_interests',
    });
  }
  if (
    effective.retention?.trigger === RetentionTrigger.ConsentWithdrawal &&
    effective.legalBasis &&
    effective.legalBasis !== LegalBasis.Consent
  ) {
    problems.push({
      property: 'retention.trigger',
      rule: 'consent_withdrawal_needs_consent',
      message: 'retention trigger consent_withdrawal requires legalBasis consent',
    });
  }
  return problems;
}

/** What must be true before a purpose may become active. */
export function checkActivation(
  effective: EffectiveDeclaration,
  parentStatus: PurposeStatus | null,
): RuleViolation[] {
  const problems = checkDeclaration(effective);
  if (!effective.legalBasis)
    problems.push({
      property: 'legalBasis',
      rule: 'legal_basis_required',
      message: 'an active purpose needs a legal basis (art. 6)',
    });
  if (!effective.retention) {
    problems.push({
      property: 'retention',
      rule: 'retention_required',
      message: 'an active purpose needs a retention period (art. 5(1)(e))',
    });
  }
  if (!effective.controller?.name) {
    problems.push({
      property: 'controller',
      rule: 'controller_required',
      message: 'an active purpose needs a controller (art. 30(1)(a))',
    });
  }
  if (!effective.dataSubjectCategories?.length) {
    problems.push({
      property: 'dataSubjectCategories',
      rule: 'data_subjects_required',
      message: 'an active purpose needs at least one category of data subjects (art. 30(1)(c))',
    });
  }
  if (parentStatus !== null && parentStatus !== PurposeStatus.Active) {
    problems.push({
      property: 'parentCode',
      rule: 'parent_not_active',
      message: `the parent purpose is ${parentStatus}; activate it first`,
    });
  }
  return problems;
}

export type Transition = 'activate' | 'retire';

/** The lifecycle draft → active → retired. Returns null when allowed, else why not. */
export function transitionRefusal(from: PurposeStatus, transition: Transition): string | null {
  if (transition === 'activate') {
    if (from === PurposeStatus.Draft) return null;
    return from === PurposeStatus.Active
      ? 'the purpose is already active'
      : 'a retired purpose cannot be reactivated; create a new purpose';
  }
  if (from === PurposeStatus.Active) return null;
  return from === PurposeStatus.Retired
    ? 'the purpose is already retired'
    : 'a draft purpose is deleted, not retired';
}

/** Codes are stable slugs: lower-case words separated by '.', '-' or '_'. */
export const PURPOSE_CODE_PATTERN = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/**
 * Consent is the lawful basis (art. 6(1)(a)) or the art. 9(2)(a) condition: the subject's consent
 * decides (the access check asks for it, the consents module records it only for such purposes).
 */
export function requiresConsent(p: {
  legalBasis: string | null;
  specialCategoryCondition: string | null;
}): boolean {
  return p.legalBasis === 'consent' || p.specialCategoryCondition === 'explicit_consent';
}
