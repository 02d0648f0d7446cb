import type { Schemas } from '../../api/client';

export type Field = Schemas['PersonalFieldResponseDto'];
export type Binding = Schemas['FieldBindingResponseDto'];
export type BindingInput = Schemas['FieldBindingDto'];
export type FieldAction = BindingInput['actions'][number];
export type Obligation = NonNullable<BindingInput['obligation']>;
export type Purpose = Schemas['PurposeResponseDto'];

/** In the API's order: what a purpose may do with a field. */
export const FIELD_ACTIONS: readonly FieldAction[] = ['read', 'write', 'export', 'share', 'profile'];
export const OBLIGATIONS: readonly Obligation[] = ['mask', 'pseudonymise', 'aggregate_only'];

/** What one matrix cell edits: the binding of a field to one purpose (no actions = unbound). */
export interface CellValue {
  actions: FieldAction[];
  obligation: Obligation | null;
  appliesToSubPurposes: boolean;
}

/**
 * The matrix's columns: purposes a field can be bound to. Retired purposes are refused by the
 * service for new bindings, so they only appear while some loaded field is still bound to them.
 */
export function matrixColumns(purposes: readonly Purpose[], fields: readonly Field[]): Purpose[] {
  const stillBound = new Set(fields.flatMap((f) => f.purposeCodes));
  return purposes
    .filter((p) => p.status !== 'retired' || stillBound.has(p.code))
    .sort((a, b) => a.code.localeCompare(b.code));
}

export function cellOf(field: Field, purposeCode: string): Binding | undefined {
  return field.bindings.find((b) => b.purposeCode === purposeCode);
}

/** Actions in the API's order, whatever order they were ticked in. */
export function orderedActions(actions: Iterable<FieldAction>): FieldAction[] {
  const set = new Set(actions);
  return FIELD_ACTIONS.filter((a) => set.has(a));
}

function toInput(b: Binding): BindingInput {
  return {
    purpose: b.purposeCode,
    actions: b.actions,
    obligation: b.obligation,
    appliesToSubPurposes: b.appliesToSubPurposes,
    anonymisation: b.anonymisation,
  };
}

/**
 * The complete new binding set of a field once one cell is edited (PUT /fields/{key}/purposes
 * replaces them all): the other purposes' bindings kept as they are, this one replaced, added or,
 * with no action left, removed. A cell's binding-level anonymisation override is kept.
 */
export function bindingsWithCell(field: Field, purposeCode: string, value: CellValue): BindingInput[] {
  const others = field.bindings.filter((b) => b.purposeCode !== purposeCode).map(toInput);
  if (value.actions.length === 0) return others;
  const previous = cellOf(field, purposeCode);
  return [
    ...others,
    {
      purpose: purposeCode,
      actions: orderedActions(value.actions),
      obligation: value.obligation,
      appliesToSubPurposes: value.appliesToSubPurposes,
      anonymisation: previous?.anonymisation ?? null,
    },
  ].sort((a, b) => a.purpose.localeCompare(b.purpose));
}

/** A short text for a cell: its actions, and the obligation when there is one. */
export function cellSummary(
  binding: Binding | undefined,
  label: { action(a: FieldAction): string; obligation(o: Obligation): string; none: string },
): string {
  if (!binding) return label.none;
  const actions = binding.actions.map((a) => label.action(a)).join(', ');
  return binding.obligation ? `${actions} (${label.obligation(binding.obligation)})` : actions;
}
