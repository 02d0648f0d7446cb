// The register rules that depend on a purpose's place in the hierarchy (its parent, what its
// descendants inherit), checked on the whole register held in memory (code → purpose). Pure: the
// drafting and the life-cycle services both apply them, inside their caller's transaction.
import type { PurposeEntity } from './entities/purpose.entity';
import { resolveWithin } from './purpose.mapper';
import { checkActivation, checkDeclaration, PurposeStatus, RuleViolation } from './purpose.model';
import { ParentPurposeNotFound, PurposeHierarchyCycle, PurposeRuleViolated } from './purposes.errors';

/** Every purpose of the register by code (the register is small: hundreds, not millions). */
export type PurposeRegister = Map<string, PurposeEntity>;

/** A new parent must exist, not be retired, and not make the purpose its own ancestor. */
export function checkParent(purpose: PurposeEntity, register: PurposeRegister): void {
  const parent = register.get(purpose.parentCode!);
  if (!parent) throw new ParentPurposeNotFound(`Parent purpose "${purpose.parentCode}" does not exist`);
  if (parent.status === PurposeStatus.Retired) {
    throw new ParentPurposeNotFound(`Parent purpose "${purpose.parentCode}" is retired`);
  }
  const seen = new Set<string>([purpose.code]);
  for (
    let cur: PurposeEntity | undefined = parent;
    cur;
    cur = cur.parentCode ? register.get(cur.parentCode) : undefined
  ) {
    if (seen.has(cur.code)) {
      throw new PurposeHierarchyCycle(
        `Making "${purpose.parentCode}" the parent of "${purpose.code}" creates a cycle`,
      );
    }
    seen.add(cur.code);
  }
}

export function parentStatus(purpose: PurposeEntity, register: PurposeRegister): PurposeStatus | null {
  return purpose.parentCode ? (register.get(purpose.parentCode)?.status ?? null) : null;
}

/** What the purpose's effective declaration breaks: the activation rules once active, else the draft's. */
export function statusRuleViolations(purpose: PurposeEntity, register: PurposeRegister): RuleViolation[] {
  const effective = resolveWithin(purpose, register).effective;
  return purpose.status === PurposeStatus.Active
    ? checkActivation(effective, parentStatus(purpose, register))
    : checkDeclaration(effective);
}

/** A change to a parent must not break what its descendants inherit. */
export function assertDescendantsStayValid(purpose: PurposeEntity, register: PurposeRegister): void {
  const problems: RuleViolation[] = [];
  const visit = (code: string) => {
    for (const child of register.values()) {
      if (child.parentCode !== code) continue;
      const childProblems = statusRuleViolations(child, register);
      problems.push(...childProblems.map((p) => ({ ...p, property: `${child.code}: ${p.property}` })));
      visit(child.code);
    }
  };
  visit(purpose.code);
  assertRules(problems, 'This change would break the sub-purposes that inherit from it');
}

/** The effective art. 9(2) condition of a purpose and of each of its descendants. */
export function subtreeConditions(code: string, register: PurposeRegister): Map<string, string | null> {
  const out = new Map<string, string | null>();
  const visit = (c: string) => {
    const p = register.get(c);
    if (!p || out.has(c)) return;
    out.set(c, resolveWithin(p, register).effective.specialCategoryCondition ?? null);
    for (const child of register.values()) if (child.parentCode === c) visit(child.code);
  };
  visit(code);
  return out;
}

export function assertRules(problems: RuleViolation[], lead = 'The purpose breaks a register rule'): void {
  if (problems.length === 0) return;
  throw new PurposeRuleViolated(`${lead}: ${problems.map((p) => p.message).join('; ')}`, problems);
}
