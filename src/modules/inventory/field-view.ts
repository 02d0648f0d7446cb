import { AppAbility, asSubject } from '../../policies/ability.factory';
import { Action } from '../../policies/action.enum';
import type { ListFieldsQueryDto, PersonalFieldResponseDto } from './dto/field.dto';
import { FieldFlag } from './inventory.model';

/** Filters of listFields/listAllFields (the HTTP query without pagination). */
export type FieldFilter = Pick<ListFieldsQueryDto, 'system' | 'category' | 'purpose' | 'special' | 'unbound'>;

/** The filter of listAllFields, applied to one view (iterateFields). */
export function matchesFilter(f: PersonalFieldResponseDto, filter: FieldFilter): boolean {
  return (
    (!filter.system || f.systemCode === filter.system) &&
    (!filter.category || f.dataCategory === filter.category) &&
    (!filter.purpose || f.purposeCodes.includes(filter.purpose)) &&
    (filter.special === undefined || f.special === filter.special) &&
    (filter.unbound === undefined || f.flags.includes(FieldFlag.Unbound) === filter.unbound)
  );
}

/** Record-level rule; internal callers pass SYSTEM_ABILITY (there is no "no ability" case). */
function canRead(view: PersonalFieldResponseDto, ability: AppAbility): boolean {
  return ability.can(Action.Read, asSubject('PersonalField', view));
}

/**
 * A field as `ability` may see it, or null when it may not see the field at all. A caller whose
 * read of fields is conditional (an application: fields bound to its purposes) sees only the
 * bindings it would be allowed to see on their own: the other purposes of the field, and which of
 * them sets the effective retention, are not its to know. The retention itself (how long the field
 * is kept) and the flags describe the field and stay. DPOs, auditors and SYSTEM_ABILITY see all.
 */
export function fieldViewer(
  ability: AppAbility,
): (view: PersonalFieldResponseDto) => PersonalFieldResponseDto | null {
  const restricted = ability
    .rulesFor(Action.Read, 'PersonalField')
    .some((rule) => rule.inverted || rule.conditions !== undefined || rule.fields !== undefined);
  return (view) => {
    if (!canRead(view, ability)) return null;
    if (!restricted) return view;
    const bindings = view.bindings.filter((b) =>
      canRead({ ...view, bindings: [b], purposeCodes: [b.purposeCode] }, ability),
    );
    if (bindings.length === view.bindings.length) return view;
    const purposeCodes = bindings.map((b) => b.purposeCode);
    const retention = view.effectiveRetention;
    return {
      ...view,
      bindings,
      purposeCodes,
      effectiveRetention:
        retention && !purposeCodes.includes(retention.purposeCode ?? '')
          ? { ...retention, purposeCode: null }
          : retention,
    };
  };
}
