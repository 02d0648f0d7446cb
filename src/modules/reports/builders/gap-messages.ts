import type { ReportLang } from '../report.model';
import { ComplianceGap, GAP_SEVERITY, GapCode } from './compliance-gap';

type Messages = { [C in GapCode]: (arg: Record<string, string | number>) => string };

const MESSAGES: Record<ReportLang, Messages> = {
  en: {
    FIELD_WITHOUT_ACTIVE_PURPOSE: (a) => `Field ${a.field} is bound to no active purpose`,
    FIELD_STRATEGY_NOT_APPLICABLE: (a) =>
      `Field ${a.field} is anonymised by "nullify" but its column is NOT NULL: retention cannot erase it in place (choose fixed, hash or generalise)`,
    UNREGISTERED_COLUMN: (a) =>
      `Column ${a.column} of ${a.system}/${a.dataset} found by the last scan is not registered`,
    PURPOSE_WITHOUT_RETENTION: (a) => `Active purpose ${a.purpose} has no retention period`,
    PURPOSE_WITHOUT_LEGAL_BASIS: (a) => `Active purpose ${a.purpose} has no legal basis`,
    LEGITIMATE_INTEREST_NOT_JUSTIFIED: (a) =>
      `Active purpose ${a.purpose} relies on legitimate interests without stating them`,
    CONSENT_WITHOUT_RECORDS: (a) =>
      `Consent-based purpose ${a.purpose} was used (${a.decisions} decisions) but has no consent records`,
    SPECIAL_CATEGORY_WITHOUT_CONDITION: (a) =>
      `Special-category field ${a.field} is used for ${a.purpose}, which has no art. 9 condition`,
    TRANSFER_WITHOUT_SAFEGUARD: (a) =>
      `Purpose ${a.purpose} transfers data to ${a.countries} without a safeguard (art. 44–49)`,
    OVERDUE_DATA: (a) => `${a.count} rows of ${a.system}/${a.dataset} are past their retention period`,
    SYSTEM_NEVER_SCANNED: (a) => `System ${a.system} has never been scanned`,
    ORGANISATION_NOT_DECLARED: () =>
      'The controller organisation (name, contact details, DPO) is not declared: the record of processing cannot name it (art. 30(1)(a))',
    DPO_CONTACT_MISSING: () =>
      'The record of processing gives no contact details of a data protection officer (art. 30(1)(a), art. 37)',
    EU_REPRESENTATIVE_MISSING: () =>
      'The controller is established outside the EU but names no representative in the Union (art. 27)',
    PROCESSOR_AGREEMENT_MISSING: (a) =>
      `System ${a.system} is operated by processor ${a.processor}, with no signed data-processing agreement (art. 28(3))`,
    TRANSFER_WITHOUT_MECHANISM: (a) =>
      `Processor ${a.processor} takes data to ${a.countries} with no transfer mechanism (art. 44–49)`,
    PROCESSOR_AGREEMENT_REVIEW_OVERDUE: (a) =>
      `The agreement with processor ${a.processor} was due for review on ${a.reviewOn}`,
    DECLARED_TRANSFERS_MISMATCH: (a) =>
      `Purpose ${a.purpose} declares transfers that disagree with its processors: not declared ${a.undeclared}; declared without a processor taking data there ${a.unfounded}`,
    ARCHIVE_PHASE_WITHOUT_LEGAL_REASON: (a) =>
      `Active purpose ${a.purpose} keeps data ${a.duration} in intermediate archive without stating the legal reason (a limitation period, a legal obligation)`,
  },
  fr: {
    FIELD_WITHOUT_ACTIVE_PURPOSE: (a) => `Le champ ${a.field} n’est rattaché à aucune finalité active`,
    FIELD_STRATEGY_NOT_APPLICABLE: (a) =>
      `Le champ ${a.field} est anonymisé par « nullify » mais sa colonne est NOT NULL : la conservation ne peut pas l’effacer sur place (choisir fixed, hash ou generalise)`,
    UNREGISTERED_COLUMN: (a) =>
      `La colonne ${a.column} de ${a.system}/${a.dataset} trouvée au dernier scan n’est pas enregistrée`,
    PURPOSE_WITHOUT_RETENTION: (a) => `La finalité active ${a.purpose} n’a pas de durée de conservation`,
    PURPOSE_WITHOUT_LEGAL_BASIS: (a) => `La finalité active ${a.purpose} n’a pas de base légale`,
    LEGITIMATE_INTEREST_NOT_JUSTIFIED: (a) =>
      `La finalité active ${a.purpose} repose sur l’intérêt légitime sans le décrire`,
    CONSENT_WITHOUT_RECORDS: (a) =>
      `La finalité ${a.purpose}, fondée sur le consentement, a été utilisée (${a.decisions} décisions) sans aucun consentement enregistré`,
    SPECIAL_CATEGORY_WITHOUT_CONDITION: (a) =>
      `Le champ sensible ${a.field} est utilisé pour ${a.purpose}, sans condition de l’art. 9`,
    TRANSFER_WITHOUT_SAFEGUARD: (a) =>
      `La finalité ${a.purpose} transfère des données vers ${a.countries} sans garantie (art. 44 à 49)`,
    OVERDUE_DATA: (a) =>
      `${a.count} lignes de ${a.system}/${a.dataset} ont dépassé leur durée de conservation`,
    SYSTEM_NEVER_SCANNED: (a) => `Le système ${a.system} n’a jamais été scanné`,
    ORGANISATION_NOT_DECLARED: () =>
      'L’organisme responsable du traitement (nom, coordonnées, DPO) n’est pas déclaré : le registre ne peut pas le nommer (art. 30(1)(a))',
    DPO_CONTACT_MISSING: () =>
      'Le registre ne donne pas les coordonnées d’un délégué à la protection des données (art. 30(1)(a), art. 37)',
    EU_REPRESENTATIVE_MISSING: () =>
      'Le responsable est établi hors de l’UE mais ne désigne pas de représentant dans l’Union (art. 27)',
    PROCESSOR_AGREEMENT_MISSING: (a) =>
      `Le système ${a.system} est opéré par le sous-traitant ${a.processor} sans contrat de sous-traitance signé (art. 28(3))`,
    TRANSFER_WITHOUT_MECHANISM: (a) =>
      `Le sous-traitant ${a.processor} transfère des données vers ${a.countries} sans outil de transfert (art. 44 à 49)`,
    PROCESSOR_AGREEMENT_REVIEW_OVERDUE: (a) =>
      `Le contrat avec le sous-traitant ${a.processor} devait être revu le ${a.reviewOn}`,
    DECLARED_TRANSFERS_MISMATCH: (a) =>
      `Les transferts déclarés pour la finalité ${a.purpose} ne correspondent pas à ses sous-traitants : non déclarés ${a.undeclared} ; déclarés sans sous-traitant qui y transfère ${a.unfounded}`,
    ARCHIVE_PHASE_WITHOUT_LEGAL_REASON: (a) =>
      `La finalité active ${a.purpose} conserve des données ${a.duration} en archivage intermédiaire sans en donner le motif légal (prescription, obligation légale)`,
  },
};

/** A gap as the report lists it: the code's severity, and its message in the report's language. */
export function complianceGap(
  lang: ReportLang,
  code: GapCode,
  args: Record<string, string | number>,
  object: ComplianceGap['object'],
  link: string,
  details?: Record<string, unknown>,
): ComplianceGap {
  return {
    code,
    severity: GAP_SEVERITY[code],
    message: MESSAGES[lang][code](args),
    link,
    object,
    ...(details ? { details } : {}),
  };
}
