import { domainError, ErrorKind } from '../../common/errors/domain-error';

/** 400: presetCode names no preset of the catalogue (GET /retention/presets). */
export class PurposePresetUnknown extends domainError('PURPOSE_PRESET_UNKNOWN', ErrorKind.Invalid) {}
export class PurposeNotFound extends domainError('PURPOSE_NOT_FOUND', ErrorKind.NotFound) {}
export class PurposeAlreadyExists extends domainError('PURPOSE_ALREADY_EXISTS', ErrorKind.Conflict) {}
export class ParentPurposeNotFound extends domainError('PARENT_PURPOSE_NOT_FOUND', ErrorKind.Unprocessable) {}
export class PurposeHierarchyCycle extends domainError('PURPOSE_HIERARCHY_CYCLE', ErrorKind.Unprocessable) {}
export class PurposeRuleViolated extends domainError('PURPOSE_RULE_VIOLATED', ErrorKind.Unprocessable) {}
/** Clearing (or no longer inheriting) the art. 9(2) condition that bound special-category fields rely on. */
export class PurposeConditionInUse extends domainError('PURPOSE_CONDITION_IN_USE', ErrorKind.Unprocessable) {}
export class PurposeTransitionRefused extends domainError('PURPOSE_TRANSITION_REFUSED', ErrorKind.Conflict) {}
export class PurposeRetired extends domainError('PURPOSE_RETIRED', ErrorKind.Conflict) {}
export class PurposeParentLocked extends domainError('PURPOSE_PARENT_LOCKED', ErrorKind.Conflict) {}
export class PurposeHasActiveChildren extends domainError(
  'PURPOSE_HAS_ACTIVE_CHILDREN',
  ErrorKind.Conflict,
) {}
export class PurposeNotDeletable extends domainError('PURPOSE_NOT_DELETABLE', ErrorKind.Conflict) {}
export class PurposeVersionMismatch extends domainError(
  'PURPOSE_VERSION_MISMATCH',
  ErrorKind.PreconditionFailed,
) {}
