import type { ProcessorView } from '../report-sources';

/** A transfer outside the EEA that a purpose makes through a processor it uses. */
export interface DerivedTransfer {
  country: string;
  processor: string;
  processorName: string;
  /** null: the processor itself; else the sub-processor's name. */
  subProcessor: string | null;
  mechanism: string | null;
  reference: string | null;
  /** Systems of the purpose operated by that processor (empty: named among its recipients only). */
  systems: string[];
}

/**
 * The transfers a purpose makes, derived rather than typed twice: the processors its recipients
 * name and the processors operating the systems its data lives in (from the inventory's bindings),
 * each with every transfer outside the EEA it makes. Sorted by processor, country, sub-processor.
 */
export function deriveTransfers(
  recipientProcessors: readonly string[],
  systemKeys: Iterable<string>,
  systemProcessor: ReadonlyMap<string, string | null>,
  processors: ReadonlyMap<string, ProcessorView>,
): DerivedTransfer[] {
  const via = new Map<string, Set<string>>();
  for (const code of recipientProcessors) via.set(code, via.get(code) ?? new Set());
  for (const system of systemKeys) {
    const code = systemProcessor.get(system);
    if (code) via.set(code, (via.get(code) ?? new Set()).add(system));
  }
  const out: DerivedTransfer[] = [];
  for (const [code, systems] of [...via].sort(([a], [b]) => a.localeCompare(b))) {
    const processor = processors.get(code);
    if (!processor) continue;
    for (const t of processor.transfers) {
      out.push({
        country: t.country,
        processor: code,
        processorName: processor.name,
        subProcessor: t.subProcessor,
        mechanism: t.mechanism,
        reference: t.reference,
        systems: [...systems].sort(),
      });
    }
  }
  return out.sort(
    (a, b) =>
      a.processor.localeCompare(b.processor) ||
      a.country.localeCompare(b.country) ||
      (a.subProcessor ?? '').localeCompare(b.subProcessor ?? ''),
  );
}

/** Processors used by a purpose: named among its recipients, or operating one of its systems. */
export function processorsUsed(
  recipientProcessors: readonly string[],
  systemKeys: Iterable<string>,
  systemProcessor: ReadonlyMap<string, string | null>,
): string[] {
  const codes = new Set(recipientProcessors);
  for (const s of systemKeys) {
    const code = systemProcessor.get(s);
    if (code) codes.add(code);
  }
  return [...codes].sort();
}

/**
 * Where the declared transfers (countries) and the derived ones disagree: countries data goes to
 * that the purpose does not declare, and declared countries no processor it uses takes data to.
 * null when they agree.
 */
export function transferMismatch(
  declared: readonly { country: string }[],
  derived: readonly DerivedTransfer[],
): { undeclared: string[]; unfounded: string[] } | null {
  const d = new Set(declared.map((t) => t.country));
  const x = new Set(derived.map((t) => t.country));
  const undeclared = [...x].filter((c) => !d.has(c)).sort();
  const unfounded = [...d].filter((c) => !x.has(c)).sort();
  return undeclared.length || unfounded.length ? { undeclared, unfounded } : null;
}
