import { AccessMode, Action } from './action.enum';
import { Role } from './role.enum';
import type { SubjectName } from './subjects';

export interface PolicyRule {
  action: Action;
  subject: SubjectName | 'all';
  /**
   * CASL fields: the rule covers only these. For AccessDecision, the mode (AccessMode): a route
   * declaring one in @CheckPolicy is refused (403) to a principal holding no rule covering it.
   */
  fields?: string[];
  /**
   * Record-level condition (a CASL/Mongo-style query) with placeholders resolved per
   * principal: '$purposeCodes' (the application's authorised purposes), '$archivePurposeCodes'
   * (those it may also reach in the intermediate archive), '$principalId'.
   */
  conditions?: Record<string, unknown>;
  reason?: string;
}

/**
 * THE rule table: role × resource × action. Everything the API allows is granted here and
 * nowhere else; docs/authorisation-matrix.md is rendered from it and the e2e matrix test
 * checks every route against it. Least privilege: nothing is granted by default.
 */
export const POLICY_RULES: Record<Role, PolicyRule[]> = {
  [Role.Admin]: [
    { action: Action.Manage, subject: 'Principal' },
    { action: Action.Manage, subject: 'ApiKey' },
    { action: Action.Read, subject: 'Me' },
  ],
  [Role.Dpo]: [
    { action: Action.Manage, subject: 'Purpose' },
    { action: Action.Manage, subject: 'System' },
    { action: Action.Manage, subject: 'Dataset' },
    { action: Action.Manage, subject: 'PersonalField' },
    { action: Action.Manage, subject: 'Register' },
    { action: Action.Manage, subject: 'Organisation' },
    { action: Action.Manage, subject: 'Processor' },
    { action: Action.Manage, subject: 'RetentionRun' },
    { action: Action.Manage, subject: 'LegalHold' },
    { action: Action.Manage, subject: 'ErasureRequest' },
    { action: Action.Manage, subject: 'ManualTask' },
    { action: Action.Manage, subject: 'Restriction' },
    { action: Action.Read, subject: 'Consent' },
    { action: Action.Read, subject: 'AuditEvent' },
    { action: Action.Read, subject: 'AuditCheckpoint' },
    { action: Action.Export, subject: 'AuditEvent' },
    // Which applications hold which purposes is part of the DPO's record (recipients, art. 30),
    // and /access/explain names an application; key metadata shown is never the key itself.
    { action: Action.Read, subject: 'Principal' },
    { action: Action.Read, subject: 'AccessDecision' },
    // Explaining a decision (POST /access/explain) is a DPO's diagnostic, never an app's decision;
    // a DPO cannot ask for a recorded decision (POST /access/check), which only applications make.
    { action: Action.Execute, subject: 'AccessDecision', fields: [AccessMode.Explain] },
    { action: Action.Export, subject: 'Report' },
    // The dashboard's posture (GET /dashboard/posture): what the reports say, read, not exported.
    { action: Action.Read, subject: 'Report' },
    { action: Action.Read, subject: 'Me' },
  ],
  [Role.Auditor]: [
    { action: Action.Read, subject: 'all' },
    { action: Action.Export, subject: 'Report' },
    { action: Action.Export, subject: 'AuditEvent' },
    { action: Action.Export, subject: 'Register' },
  ],
  [Role.Application]: [
    // Any application may ask (a purpose outside its authorisations is a recorded deny).
    {
      action: Action.Execute,
      subject: 'AccessDecision',
      fields: [AccessMode.Check],
      conditions: { purpose: { $in: '$purposeCodes' } },
    },
    // Reaching the intermediate archive is not a normal use: an explicit grant per purpose, given
    // by an admin (PUT /principals/{id}/purposes, archivePurposeCodes), none by default (ADR 0054).
    {
      action: Action.Execute,
      subject: 'AccessDecision',
      fields: [AccessMode.Archive],
      conditions: { purpose: { $in: '$archivePurposeCodes' } },
    },
    { action: Action.Create, subject: 'Consent', conditions: { purpose: { $in: '$purposeCodes' } } },
    { action: Action.Read, subject: 'Consent', conditions: { purpose: { $in: '$purposeCodes' } } },
    // A contact from the subject is a fact about the subject, not about one purpose; applications
    // are the systems that see it (no one else records them).
    { action: Action.Create, subject: 'Interaction' },
    // Checked per purpose named; a restriction of every purpose (purpose: null) is a DPO's.
    { action: Action.Create, subject: 'Restriction', conditions: { purpose: { $in: '$purposeCodes' } } },
    { action: Action.Read, subject: 'Purpose', conditions: { code: { $in: '$purposeCodes' } } },
    { action: Action.Read, subject: 'PersonalField', conditions: { purposeCodes: { $in: '$purposeCodes' } } },
    { action: Action.Read, subject: 'Me' },
  ],
};
