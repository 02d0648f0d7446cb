/**
 * What a purge does with a row, from its tests as SQL truth values ('FALSE' when impossible), in
 * any dialect (ADR 0051): `del` when every field is due and no other row references it; `anon`
 * when a due field is still to anonymise and the row is not deleted (a referenced wholly due row
 * is anonymised instead). Only the logic is shared: each dialect builds the tests themselves.
 */
export function rowDecision(
  everyDue: string,
  referenced: string,
  pending: string,
): { del: string; anon: string } {
  const del =
    everyDue === 'FALSE' || referenced === 'FALSE' ? everyDue : `(${everyDue}) AND NOT ${referenced}`;
  const anon =
    pending === 'FALSE'
      ? 'FALSE'
      : everyDue === 'FALSE'
        ? pending
        : referenced === 'FALSE'
          ? `(NOT (${everyDue}) AND (${pending}))`
          : `((NOT (${everyDue}) OR ${referenced}) AND (${pending}))`;
  return { del, anon };
}
