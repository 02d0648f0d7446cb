/**
 * Every resource a policy can name. A route declares (action, subject); the rule table in
 * policy-rules.ts says which roles may do it. Adding a resource means adding it here and in
 * the rule table, which the authorisation matrix test then covers.
 */
export const SUBJECTS = [
  'Purpose',
  'Principal',
  'ApiKey',
  'System',
  'Dataset',
  'PersonalField',
  'Register',
  /** The controller organisation of the register (art. 30(1)(a)): contact details, DPO, EU representative. */
  'Organisation',
  /** Processors (art. 28): agreements, processing countries, sub-processors, transfer mechanisms. */
  'Processor',
  'AuditEvent',
  'AuditCheckpoint',
  'Consent',
  /** A contact coming from a data subject (restarts last_interaction retention clocks). */
  'Interaction',
  'Restriction',
  'AccessDecision',
  'RetentionRun',
  'LegalHold',
  'ErasureRequest',
  'ManualTask',
  'Report',
  'Me',
] as const;

export type SubjectName = (typeof SUBJECTS)[number];
