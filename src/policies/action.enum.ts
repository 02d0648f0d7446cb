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
