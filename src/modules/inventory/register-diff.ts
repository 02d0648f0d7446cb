/**
 * What importing a register document changes: per kind, the entries it creates, changes and
 * retires (or removes), compared on the canonical form.
 */
import { PurposeStatus } from '../purposes/purpose.model';
import { flattenInventory, RegisterDocument, stableJson } from './register-document';

export interface KindDiff {
  created: string[];
  changed: string[];
  retired: string[];
}

export interface RegisterDiff {
  processors: KindDiff;
  purposes: KindDiff;
  systems: KindDiff;
  datasets: KindDiff;
  fields: KindDiff;
}

function diffKind<T>(next: Map<string, T>, current: Map<string, T>, retiredOf?: (t: T) => boolean): KindDiff {
  const created: string[] = [];
  const changed: string[] = [];
  const retired: string[] = [];
  for (const [key, value] of next) {
    const before = current.get(key);
    if (before === undefined) created.push(key);
    else if (stableJson(before) !== stableJson(value)) changed.push(key);
  }
  for (const [key, value] of current) {
    if (!next.has(key) && (!retiredOf || retiredOf(value))) retired.push(key);
  }
  return { created: created.sort(), changed: changed.sort(), retired: retired.sort() };
}

/**
 * What importing `next` does to `current`. Purposes absent from the document are retired (when
 * active); systems, datasets and fields absent from it are removed from the register. A change
 * of a system or dataset lists only its own properties; a field's bindings count as the field.
 */
export function diffRegister(next: RegisterDocument, current: RegisterDocument): RegisterDiff {
  const inventory = (doc: RegisterDocument) => {
    const { datasets, fields } = flattenInventory(doc);
    return {
      systems: new Map(doc.systems.map((s) => [s.code, { ...s, datasets: undefined }])),
      datasets: new Map([...datasets].map(([k, { dataset }]) => [k, { ...dataset, fields: undefined }])),
      fields: new Map([...fields].map(([k, { field }]) => [k, field])),
    };
  };
  const a = inventory(next);
  const b = inventory(current);
  return {
    processors: diffKind(
      new Map(next.processors.map((p) => [p.code, p])),
      new Map(current.processors.map((p) => [p.code, p])),
    ),
    purposes: diffKind(
      new Map(next.purposes.map((p) => [p.code, p])),
      new Map(current.purposes.map((p) => [p.code, p])),
      (p) => p.status === PurposeStatus.Active,
    ),
    systems: diffKind(a.systems, b.systems),
    datasets: diffKind(a.datasets, b.datasets),
    fields: diffKind(a.fields, b.fields),
  };
}

export function isEmptyDiff(diff: RegisterDiff): boolean {
  return Object.values(diff).every(
    (d: KindDiff) => !d.created.length && !d.changed.length && !d.retired.length,
  );
}
