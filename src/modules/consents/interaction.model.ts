/**
 * Contacts coming from a subject (issue 15): the CNIL counts a prospect's 3 years "from the last
 * contact coming from the prospect". Recorded by applications, they restart every
 * `last_interaction` clock of that subject (retention-rule.ts).
 */
export const INTERACTION_KIND_PATTERN = /^[a-z][a-z0-9_.-]{0,49}$/;
export const INTERACTIONS_PER_IMPORT = 1000;

/** The latest contacts recorded in Finalité per subject: interactions, and consent grants per purpose. */
export interface LatestContacts {
  /** subject → latest interaction (any kind). */
  interactions: Map<string, Date>;
  /** purpose → subject → latest consent grant or renewal. */
  grants: Map<string, Map<string, Date>>;
}
