/**
 * The service's refusals in the user's language. The service answers in English with stable codes:
 * the error code (`PURPOSE_VERSION_MISMATCH`), and per property the class-validator rule names
 * (`rules`: `maxLength`, `isEnum`…) or a register rule code (`rule`). The console translates what it
 * has a message for and falls back to the service's own text, so no refusal is ever dropped.
 */

/** One problem the service reported about a property (dotted paths). */
export interface PropertyProblem {
  property: string;
  /** Validation failures (400 VALIDATION_FAILED): one English text per rule, in `rules` order. */
  constraints?: string[];
  rules?: string[];
  /** Register rule violations (422): one English text and its rule code. */
  message?: string;
  rule?: string;
}

/** What translating needs from i18next (kept narrow so the logic is testable without it). */
export interface Translator {
  t(key: string, options?: Record<string, unknown>): string;
  exists(key: string): boolean;
}

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((c) => typeof c === 'string');

function isProblem(value: unknown): value is PropertyProblem {
  const v = value as Partial<PropertyProblem> | null;
  if (typeof v !== 'object' || v === null || typeof v.property !== 'string') return false;
  return isStringArray(v.constraints) || typeof v.message === 'string';
}

/** The property problems in an error's details (anything else in details is not about fields). */
export function problemsOf(details: unknown): PropertyProblem[] {
  return Array.isArray(details) ? details.filter(isProblem) : [];
}

/** Values a message may quote from the service's text: the first number, the list after "values:". */
function parameters(text: string): Record<string, string> {
  const n = /\d+/.exec(text)?.[0];
  const values = /values?: (.+)$/.exec(text)?.[1];
  return { ...(n !== undefined ? { n } : {}), ...(values !== undefined ? { values } : {}) };
}

/** The messages for one problem: translated where the catalogue knows the rule, else the service's text. */
export function describeProblem(problem: PropertyProblem, tr?: Translator): string[] {
  if (problem.constraints) {
    return problem.constraints.map((text, i) => {
      const rule = problem.rules?.[i];
      if (!tr || !rule) return text;
      // A field-specific wording first (what format a code must have), then the rule's.
      const leaf =
        problem.property
          .replace(/\.\d+(?=\.|$)/g, '')
          .split('.')
          .pop() ?? '';
      for (const key of [`validation.byField.${leaf}.${rule}`, `validation.rules.${rule}`]) {
        if (tr.exists(key)) return tr.t(key, parameters(text));
      }
      return text;
    });
  }
  const text = problem.message ?? '';
  if (tr && problem.rule && tr.exists(`validation.register.${problem.rule}`)) {
    return [tr.t(`validation.register.${problem.rule}`, parameters(text))];
  }
  return [text];
}

/**
 * Maps the service's problems onto the form's fields: `retention.duration` goes to the field
 * `retention.duration` if the form has it, else to its nearest ancestor (`retention`), else to
 * `_form` (shown above the form), so no refusal is ever silently dropped.
 */
export function errorsByField(
  details: unknown,
  formFields: readonly string[],
  tr?: Translator,
): Record<string, string> {
  const fields = new Set(formFields);
  const out: Record<string, string> = {};
  for (const problem of problemsOf(details)) {
    let path = problem.property.replace(/\.\d+(?=\.|$)/g, '');
    while (path && !fields.has(path)) path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
    const key = path || '_form';
    const message = describeProblem(problem, tr).join('; ');
    out[key] = out[key] ? `${out[key]}; ${message}` : message;
  }
  return out;
}

/** The error as a whole, in the user's language when the catalogue knows its code. */
export function describeError(error: { error: string; message: string }, tr?: Translator): string {
  const key = `serverErrors.${error.error}`;
  return tr?.exists(key) ? tr.t(key) : error.message;
}
