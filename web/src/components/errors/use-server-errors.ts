import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client';
import {
  describeError,
  describeProblem,
  errorsByField,
  problemsOf,
  type Translator,
} from './server-messages';

/** i18next as the narrow Translator the pure functions take. */
export function useTranslator(): Translator {
  const { t, i18n } = useTranslation();
  return {
    t: (key, options) => t(key, options ?? {}),
    exists: (key) => i18n.exists(key),
  };
}

/**
 * A form's server errors: each on its field, the rest above the form (`_form`), in the user's
 * language. `fieldError(name)` is what a Mantine input takes as `error`.
 */
export function useServerErrors(fields: readonly string[]) {
  const { t } = useTranslation();
  const tr = useTranslator();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const setFromError = (e: unknown) => {
    if (e instanceof ApiError) {
      const byField = errorsByField(e.body.details, fields, tr);
      setErrors(Object.keys(byField).length > 0 ? byField : { _form: describeError(e.body, tr) });
    } else setErrors({ _form: String(e) });
  };
  const clear = useCallback(() => setErrors({}), []);
  const fieldError = (field: string) =>
    errors[field] ? t('errors.fieldInvalid', { message: errors[field] }) : undefined;
  return { errors, setFromError, clear, fieldError };
}

/** An action's refusal in one sentence: the error, then each problem it lists, translated. */
export function useDescribeFailure(): (e: unknown) => string {
  const tr = useTranslator();
  return (e) => {
    if (!(e instanceof ApiError)) return String(e);
    const problems = problemsOf(e.body.details).flatMap((p) => describeProblem(p, tr));
    const lead = describeError(e.body, tr);
    return problems.length > 0 && lead !== e.body.message ? `${lead} ${problems.join('; ')}` : lead;
  };
}
