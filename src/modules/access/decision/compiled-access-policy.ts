import { createMongoAbility, MongoAbility, RawRuleOf } from '@casl/ability';
import { requiresConsent } from '../../purposes/purpose.model';

/** What the policy is compiled from: one consistent read of the register at `revision`. */
export interface RegisterSnapshot {
  revision: number;
  purposes: PolicyPurpose[];
  fields: PolicyField[];
  bindings: PolicyBinding[];
}

export interface PolicyPurpose {
  code: string;
  version: number;
  status: string;
  parentCode: string | null;
  legalBasis: string | null;
  specialCategoryCondition: string | null;
}

export interface PolicyField {
  key: string;
  systemCode: string;
  dataset: string;
  column: string;
  dataCategory: string;
  special: boolean;
}

export interface PolicyBinding {
  fieldKey: string;
  purposeCode: string;
  actions: string[];
  obligation: string | null;
  appliesToSubPurposes: boolean;
}

/** The binding that makes a field usable for a purpose: its own, or an ancestor's passed down. */
export interface EffectiveBinding {
  fieldKey: string;
  actions: string[];
  obligation: string | null;
  /** The purpose the binding is declared on (the purpose itself or an ancestor). */
  boundTo: string;
  inherited: boolean;
}

/** Per purpose: which fields it may use with which actions (a CASL ability over PersonalField). */
export type FieldAbility = MongoAbility<[string, 'PersonalField']>;

export interface CompiledPurpose {
  code: string;
  version: number;
  status: string;
  requiresConsent: boolean;
  /** The purpose then its ancestors, nearest first. */
  chain: string[];
  bindings: Map<string, EffectiveBinding>;
  /** Bindings the purpose sees but cannot use (an ancestor's binding not passed down): for the trail. */
  withheld: Map<string, string>;
  fieldAbility: FieldAbility;
}

export interface CompiledAccessPolicy {
  revision: number;
  compiledAt: Date;
  purposes: Map<string, CompiledPurpose>;
  fields: Map<string, PolicyField>;
}

/**
 * Compiles the register into an in-memory index: per purpose, the effective bindings (own,
 * plus an ancestor's where the binding has appliesToSubPurposes, the nearest one winning) and
 * a CASL ability granting exactly the bound actions on those fields. Rebuilt on every register
 * revision; evaluation then costs map lookups and no I/O.
 */
export function compileAccessPolicy(snapshot: RegisterSnapshot, now = new Date()): CompiledAccessPolicy {
  const purposeByCode = new Map(snapshot.purposes.map((p) => [p.code, p]));
  const bindingsByPurpose = new Map<string, PolicyBinding[]>();
  for (const b of snapshot.bindings) {
    const list = bindingsByPurpose.get(b.purposeCode) ?? [];
    list.push(b);
    bindingsByPurpose.set(b.purposeCode, list);
  }

  const purposes = new Map<string, CompiledPurpose>();
  for (const purpose of snapshot.purposes) {
    const chain = ancestry(purpose.code, purposeByCode);
    const bindings = new Map<string, EffectiveBinding>();
    const withheld = new Map<string, string>();
    chain.forEach((owner, depth) => {
      for (const b of bindingsByPurpose.get(owner) ?? []) {
        if (bindings.has(b.fieldKey)) continue; // a nearer binding already decides
        if (depth > 0 && !b.appliesToSubPurposes) {
          if (!withheld.has(b.fieldKey)) withheld.set(b.fieldKey, owner);
          continue;
        }
        bindings.set(b.fieldKey, {
          fieldKey: b.fieldKey,
          actions: [...b.actions],
          obligation: b.obligation,
          boundTo: owner,
          inherited: depth > 0,
        });
      }
    });
    purposes.set(purpose.code, {
      code: purpose.code,
      version: purpose.version,
      status: purpose.status,
      requiresConsent: requiresConsent(purpose),
      chain,
      bindings,
      withheld,
      fieldAbility: buildFieldAbility(bindings.values()),
    });
  }
  return {
    revision: snapshot.revision,
    compiledAt: now,
    purposes,
    fields: new Map(snapshot.fields.map((f) => [f.key, f])),
  };
}

/** One CASL rule per distinct action set, listing the fields it covers. */
function buildFieldAbility(bindings: Iterable<EffectiveBinding>): FieldAbility {
  const fieldsByActions = new Map<string, { actions: string[]; fields: string[] }>();
  for (const b of bindings) {
    const actions = [...new Set(b.actions)].sort();
    const key = actions.join(',');
    const group = fieldsByActions.get(key) ?? { actions, fields: [] };
    group.fields.push(b.fieldKey);
    fieldsByActions.set(key, group);
  }
  const rules: RawRuleOf<FieldAbility>[] = [...fieldsByActions.values()]
    .filter((g) => g.actions.length > 0)
    .map((g) => ({ action: g.actions, subject: 'PersonalField', fields: g.fields }));
  return createMongoAbility<FieldAbility>(rules);
}

function ancestry(code: string, byCode: Map<string, PolicyPurpose>): string[] {
  const chain: string[] = [];
  for (let cur = byCode.get(code); cur && !chain.includes(cur.code);) {
    chain.push(cur.code);
    cur = cur.parentCode ? byCode.get(cur.parentCode) : undefined;
  }
  return chain;
}
