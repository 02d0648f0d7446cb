/** Processors (art. 28), their agreements and where they take the data (art. 44–49). Pure rules. */
import { adequacyOf, isEea } from './transfer-countries';

/** Processor codes: lower-case slugs, like system codes. */
export const PROCESSOR_CODE = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;

/** Art. 45–49: what makes a transfer outside the EEA lawful. */
export enum TransferMechanism {
  AdequacyDecision = 'adequacy_decision', // art. 45
  StandardContractualClauses = 'standard_contractual_clauses', // art. 46(2)(c)
  BindingCorporateRules = 'binding_corporate_rules', // art. 47
  Art49Derogation = 'art49_derogation', // art. 49
}

export interface ProcessingLocation {
  country: string;
  mechanism?: TransferMechanism | null;
  reference?: string | null;
}

export interface SubProcessor extends ProcessingLocation {
  name: string;
  service?: string | null;
}

export interface ProcessorAgreement {
  /** ISO date the data-processing agreement was signed; absent: not signed yet. */
  signedOn?: string | null;
  reference?: string | null;
  /** ISO date by which the agreement must be reviewed. */
  reviewOn?: string | null;
}

/** What the DPO declares about a processor (the register's own values). */
export interface ProcessorDeclaration {
  code: string;
  name: string;
  contact?: string | null;
  /** ISO 3166-1 alpha-2 country of establishment. */
  country: string;
  service?: string | null;
  agreement?: ProcessorAgreement | null;
  processingLocations?: ProcessingLocation[] | null;
  subProcessors?: SubProcessor[] | null;
}

/** A transfer outside the EEA that a processor (or one of its sub-processors) makes. */
export interface ProcessorTransfer {
  country: string;
  processor: string;
  /** null: by the processor itself; else the sub-processor's name. */
  subProcessor: string | null;
  mechanism: TransferMechanism | null;
  reference: string | null;
}

export interface RuleProblem {
  property: string;
  message: string;
}

/**
 * Mechanisms that contradict the country lists: none applies inside the EEA, and an adequacy
 * decision can only be claimed for a country that has one. A mechanism other than adequacy needs its
 * reference (the SCC module, the BCR approval, the derogation relied on).
 */
export function checkProcessor(p: ProcessorDeclaration): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const check = (l: ProcessingLocation, path: string) => {
    if (!l.mechanism) return;
    if (isEea(l.country)) {
      problems.push({
        property: `${path}.mechanism`,
        message: `${l.country} is in the EEA: no transfer mechanism applies there`,
      });
    } else if (l.mechanism === TransferMechanism.AdequacyDecision && !adequacyOf(l.country)) {
      problems.push({
        property: `${path}.mechanism`,
        message: `the European Commission has no adequacy decision for ${l.country}`,
      });
    } else if (l.mechanism !== TransferMechanism.AdequacyDecision && !l.reference?.trim()) {
      problems.push({ property: `${path}.reference`, message: `a ${l.mechanism} needs its reference` });
    }
  };
  (p.processingLocations ?? []).forEach((l, i) => check(l, `processingLocations[${i}]`));
  (p.subProcessors ?? []).forEach((s, i) => check(s, `subProcessors[${i}]`));
  const agreement = p.agreement;
  if (agreement?.reviewOn && agreement.signedOn && agreement.reviewOn < agreement.signedOn) {
    problems.push({ property: 'agreement.reviewOn', message: 'the review date is before the signature' });
  }
  return problems;
}

/**
 * Every transfer outside the EEA a processor makes, with the mechanism that covers it: the one
 * declared, else the adequacy decision when the country has a full one (a partial decision covers
 * only some recipients, so it is never assumed). null: no mechanism (a compliance gap).
 */
export function processorTransfers(p: ProcessorDeclaration): ProcessorTransfer[] {
  const out: ProcessorTransfer[] = [];
  const add = (l: ProcessingLocation, subProcessor: string | null) => {
    if (isEea(l.country)) return;
    const adequacy = adequacyOf(l.country);
    let mechanism = l.mechanism ?? null;
    let reference = l.reference?.trim() || null;
    if (!mechanism && adequacy && !adequacy.partial) mechanism = TransferMechanism.AdequacyDecision;
    if (mechanism === TransferMechanism.AdequacyDecision && !reference)
      reference = adequacy?.reference ?? null;
    out.push({ country: l.country, processor: p.code, subProcessor, mechanism, reference });
  };
  for (const l of p.processingLocations ?? []) add(l, null);
  for (const s of p.subProcessors ?? []) add(s, s.name);
  return out;
}

/** Whether a data-processing agreement is signed (art. 28(3)). */
export function agreementSigned(p: ProcessorDeclaration): boolean {
  return !!p.agreement?.signedOn;
}

/** Whether the agreement's review date is past on `today` (YYYY-MM-DD). */
export function agreementReviewOverdue(p: ProcessorDeclaration, today: string): boolean {
  return !!p.agreement?.reviewOn && p.agreement.reviewOn < today;
}
