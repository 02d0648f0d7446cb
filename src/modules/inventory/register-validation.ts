/**
 * The rules a register document must meet as a whole before anything is imported: every rule it
 * breaks, each with its path, so that one answer lists them all.
 */
import {
  checkActivation,
  checkDeclaration,
  PurposeStatus,
  resolveInheritance,
} from '../purposes/purpose.model';
import { checkProcessor } from '../processors/processor.model';
import { anonymisationProblem, checkBindings, fieldKeyOf, SystemKind } from './inventory.model';
import { flattenInventory, RegisterDocument, RegisterPurpose, stableJson } from './register-document';

export interface RegisterProblem {
  path: string;
  message: string;
}

/**
 * Every rule the document breaks, each with its path. The document is the whole register, so a
 * binding may only name a purpose of the document; `current` is the register as it is now, for
 * the rules about change (retired purposes are frozen, a retired purpose keeps but never gains
 * bindings, an active purpose never goes back to draft).
 */
export function validateRegister(doc: RegisterDocument, current: RegisterDocument): RegisterProblem[] {
  const problems: RegisterProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });

  // Processors: unique codes, their rules; whatever names one must name one of the document.
  const processorCodes = new Set<string>();
  for (const p of doc.processors) {
    const pPath = `processors[${p.code}]`;
    if (processorCodes.has(p.code)) add(pPath, `duplicate processor code "${p.code}"`);
    processorCodes.add(p.code);
    for (const r of checkProcessor(p)) add(`${pPath}.${r.property}`, r.message);
  }

  // Purposes: unique codes, known parents without cycles, the purpose rules on effective values.
  const purposes = new Map<string, RegisterPurpose>();
  for (const p of doc.purposes) {
    if (purposes.has(p.code)) add(`purposes[${p.code}]`, `duplicate purpose code "${p.code}"`);
    purposes.set(p.code, p);
  }
  const currentPurposes = new Map(current.purposes.map((p) => [p.code, p]));
  const chains = new Map<string, RegisterPurpose[]>();
  for (const p of purposes.values()) {
    const chain: RegisterPurpose[] = [];
    const seen = new Set<string>();
    let cur: RegisterPurpose | undefined = p;
    while (cur) {
      if (seen.has(cur.code)) {
        add(`purposes[${p.code}].parentCode`, `the parent chain of "${p.code}" is a cycle`);
        break;
      }
      seen.add(cur.code);
      chain.push(cur);
      if (cur.parentCode && !purposes.has(cur.parentCode)) {
        if (cur === p)
          add(`purposes[${p.code}].parentCode`, `parent purpose "${cur.parentCode}" is not in the document`);
        break;
      }
      cur = cur.parentCode ? purposes.get(cur.parentCode) : undefined;
    }
    chains.set(p.code, chain);
  }
  const effective = new Map(
    [...purposes.values()].map((p) => [p.code, resolveInheritance(chains.get(p.code)!).effective]),
  );
  for (const p of purposes.values()) {
    ((p.recipientProcessors as string[] | undefined) ?? []).forEach((code, i) => {
      if (!processorCodes.has(code)) {
        add(`purposes[${p.code}].recipientProcessors[${i}]`, `processor "${code}" is not in the document`);
      }
    });
    const e = effective.get(p.code)!;
    const parentStatus = p.parentCode ? (purposes.get(p.parentCode)?.status ?? null) : null;
    const rules = p.status === PurposeStatus.Active ? checkActivation(e, parentStatus) : checkDeclaration(e);
    for (const r of rules) add(`purposes[${p.code}].${r.property}`, r.message);
    const before = currentPurposes.get(p.code);
    if (before?.status === PurposeStatus.Retired) {
      if (p.status !== PurposeStatus.Retired || stableJson(p) !== stableJson(before)) {
        add(`purposes[${p.code}]`, `purpose "${p.code}" is retired in the register and can no longer change`);
      }
    } else if (before?.status === PurposeStatus.Active && p.status === PurposeStatus.Draft) {
      add(
        `purposes[${p.code}].status`,
        `purpose "${p.code}" is active: it cannot go back to draft (retire it)`,
      );
    }
    if (
      before &&
      (before.parentCode ?? null) !== (p.parentCode ?? null) &&
      before.status !== PurposeStatus.Draft
    ) {
      add(`purposes[${p.code}].parentCode`, 'the parent of a purpose can only change while it is a draft');
    }
  }
  for (const before of current.purposes) {
    if (!purposes.has(before.code) && before.status === PurposeStatus.Draft) {
      add(
        `purposes[${before.code}]`,
        `draft purpose "${before.code}" is in the register but not in the document: add it, or delete the draft first`,
      );
    }
  }

  // Inventory: unique codes and names, kind rules, bindings.
  const bindable = new Map(
    [...purposes.values()].map((p) => [
      p.code,
      {
        code: p.code,
        status: p.status,
        specialCategoryCondition: effective.get(p.code)!.specialCategoryCondition ?? null,
        retention: effective.get(p.code)!.retention ?? null,
      },
    ]),
  );
  const currentBindings = new Map(
    [...flattenInventory(current).fields].map(([key, { field }]) => [
      key,
      new Set(field.purposes.map((b) => b.purpose)),
    ]),
  );
  // "A retired purpose never gains a binding" is about the register as it is: only a purpose
  // already retired there is frozen. A purpose the document retires, or creates retired (an export
  // of another instance), keeps the bindings the document gives it: the binding predates the
  // retirement, and the field is then flagged only_retired_purposes, not refused.
  const retiredNow = new Set(
    current.purposes.filter((p) => p.status === PurposeStatus.Retired).map((p) => p.code),
  );
  const systemCodes = new Set<string>();
  for (const system of doc.systems) {
    const sPath = `systems[${system.code}]`;
    if (systemCodes.has(system.code)) add(sPath, `duplicate system code "${system.code}"`);
    systemCodes.add(system.code);
    if (system.kind === SystemKind.Webhook && !system.webhookUrl)
      add(`${sPath}.webhookUrl`, 'a webhook system needs webhookUrl');
    if (system.processorCode && !processorCodes.has(system.processorCode)) {
      add(`${sPath}.processorCode`, `processor "${system.processorCode}" is not in the document`);
    }
    if (system.kind !== SystemKind.Webhook && system.webhookUrl) {
      add(`${sPath}.webhookUrl`, 'only a webhook system has a webhook URL');
    }
    const datasetNames = new Set<string>();
    for (const dataset of system.datasets) {
      const dPath = `${sPath}.datasets[${dataset.name}]`;
      if (datasetNames.has(dataset.name))
        add(dPath, `duplicate dataset "${dataset.name}" in system "${system.code}"`);
      datasetNames.add(dataset.name);
      if (dataset.archive && system.kind !== SystemKind.Postgres && system.kind !== SystemKind.Mysql) {
        add(
          `${dPath}.archive`,
          'an archive table is supported on postgres and mysql systems only (ADR 0052)',
        );
      }
      if (dataset.archive && dataset.archive.table.toLowerCase() === dataset.name.toLowerCase()) {
        add(`${dPath}.archive`, 'the archive table must be another table than the dataset itself');
      }
      const columns = new Set<string>();
      for (const field of dataset.fields) {
        const key = fieldKeyOf(system.code, dataset.name, field.column);
        const fPath = `${dPath}.fields[${field.column}]`;
        if (columns.has(field.column)) add(fPath, `duplicate field key "${key}"`);
        columns.add(field.column);
        const anonymisation = anonymisationProblem(
          field.anonymisation as Parameters<typeof anonymisationProblem>[0],
        );
        if (anonymisation) add(`${fPath}.anonymisation`, anonymisation);
        const codes = field.purposes.map((b) => b.purpose);
        const kept = new Set([
          ...(currentBindings.get(key) ?? []),
          ...codes.filter((c) => !retiredNow.has(c)),
        ]);
        for (const p of checkBindings({ key, dataCategory: field.dataCategory }, codes, bindable, kept)) {
          const index = codes.indexOf(p.purposeCode);
          add(
            `${fPath}.purposes[${index}]`,
            p.reason === 'unknown_purpose' ? `purpose "${p.purposeCode}" is not in the document` : p.message,
          );
        }
        field.purposes.forEach((b, i) => {
          const problem = anonymisationProblem(b.anonymisation as Parameters<typeof anonymisationProblem>[0]);
          if (problem) add(`${fPath}.purposes[${i}].anonymisation`, problem);
        });
      }
    }
  }
  return problems;
}
