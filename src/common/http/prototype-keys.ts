/**
 * Keys that name an object's prototype machinery. JSON.parse (and the YAML parser) keep
 * `__proto__` as an own property, and class-transformer's whitelist may drop it silently, so a
 * body carrying one would be accepted where any other unknown property is refused. They are
 * refused wherever they appear, before validation.
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The first prototype key (`a.b[2].__proto__`) or reference cycle in a parsed body, with its path;
 * undefined when there is neither. JSON cannot hold a cycle, but YAML can (`a: &x [*x]`), and every
 * later walk over the value (validation, canonical form) would then never end. Iterative, so a
 * deep value cannot overflow the stack; own enumerable keys only (the parsers produce nothing else).
 */
export function findUnsafeKey(value: unknown): { kind: 'prototype' | 'cycle'; path: string } | undefined {
  const onPath = new Set<object>();
  const done = new Set<object>();
  const stack: { value: unknown; path: string; exit?: boolean }[] = [{ value, path: '' }];
  while (stack.length > 0) {
    const { value: v, path, exit } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (exit) {
      onPath.delete(v);
      done.add(v);
      continue;
    }
    if (onPath.has(v)) return { kind: 'cycle', path: path || '(document)' };
    if (done.has(v)) continue; // the same node reached twice (an alias), already inspected
    onPath.add(v);
    stack.push({ value: v, path, exit: true });
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: `${path}[${i}]` });
      continue;
    }
    const keys = Object.keys(v);
    for (const key of keys) {
      if (PROTOTYPE_KEYS.has(key)) return { kind: 'prototype', path: path ? `${path}.${key}` : key };
    }
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      stack.push({ value: (v as Record<string, unknown>)[key], path: path ? `${path}.${key}` : key });
    }
  }
  return undefined;
}

/** The path of the first prototype key in a parsed body (see findUnsafeKey), or undefined. */
export function findPrototypeKey(value: unknown): string | undefined {
  const found = findUnsafeKey(value);
  return found?.kind === 'prototype' ? found.path : undefined;
}

/** The one message for a refused prototype key (the validation details name the property). */
export const prototypeKeyMessage = (path: string): string =>
  `property ${path} is not allowed (a prototype key: __proto__, constructor and prototype are refused)`;
