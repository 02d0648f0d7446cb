/** One problem the service reported about a property (VALIDATION_FAILED details, dotted paths). */
export interface PropertyProblem {
  property: string;
  constraints: string[];
}

function isProblem(value: unknown): value is PropertyProblem {
  const v = value as Partial<PropertyProblem> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.property === 'string' &&
    Array.isArray(v.constraints) &&
    v.constraints.every((c) => typeof c === 'string')
  );
}

/**
 * Maps the service's validation details onto the form's fields: `retention.duration` goes to the
 * field `retention.duration` if the form has it, else to its nearest ancestor (`retention`), else
 * to `_form` (shown above the form), so no refusal is ever silently dropped.
 */
export function errorsByField(details: unknown, formFields: readonly string[]): Record<string, string> {
  const fields = new Set(formFields);
  const out: Record<string, string> = {};
  const problems = Array.isArray(details) ? details.filter(isProblem) : [];
  for (const problem of problems) {
    let path = problem.property.replace(/\.\d+(?=\.|$)/g, '');
    while (path && !fields.has(path)) path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
    const key = path || '_form';
    const message = problem.constraints.join('; ');
    out[key] = out[key] ? `${out[key]}; ${message}` : message;
  }
  return out;
}
