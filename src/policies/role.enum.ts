export enum Role {
  /** Manages principals and their keys. */
  Admin = 'admin',
  /** Keeps the register: purposes, systems, fields, retention, legal holds. */
  Dpo = 'dpo',
  /** Reads everything, exports reports, changes nothing. */
  Auditor = 'auditor',
  /** A calling system: access checks and consents for the purposes it is authorised for. */
  Application = 'application',
}

export const ALL_ROLES = Object.values(Role);
