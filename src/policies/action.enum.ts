/** What a principal does to a resource. `manage` is CASL's wildcard for every action. */
export enum Action {
  Manage = 'manage',
  Create = 'create',
  Read = 'read',
  Update = 'update',
  Delete = 'delete',
  /** Run something: an access check, a scan, a retention run, an import. */
  Execute = 'execute',
  /** Download a document: a report, an audit export. */
  Export = 'export',
}

/**
 * The ways of executing an AccessDecision, as CASL fields of the rule (a route names the one it
 * serves in @CheckPolicy, so the guard tells them apart): `check` is a decision an application
 * asks for and that is recorded as its decision; `explain` is a DPO's diagnostic, never recorded
 * as a decision; `archive` is no route's: the access check asks it per purpose of an archive-phase
 * check (the explicit archive grant; a missing one is a recorded deny, not a 403).
 */
export enum AccessMode {
  Check = 'check',
  Explain = 'explain',
  Archive = 'archive',
}
