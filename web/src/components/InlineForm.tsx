import { Alert, Group, Stack, Title } from '@mantine/core';
import type { FormEvent, ReactNode } from 'react';

/**
 * A small form under a list, named by its own heading: its inputs and button on one row, aligned
 * at the bottom so labels and descriptions may differ, and the service's refusal below them.
 */
export function InlineForm({
  titleId,
  title,
  error,
  onSubmit,
  children,
}: {
  /** The heading's id, unique on the page: the form is labelled by it. */
  titleId: string;
  title: string;
  error: string | null;
  onSubmit(event: FormEvent<HTMLFormElement>): void;
  /** The inputs and the submit button. */
  children: ReactNode;
}) {
  return (
    <form onSubmit={onSubmit} aria-labelledby={titleId}>
      <Stack gap="xs">
        <Title order={3} size="h5" id={titleId}>
          {title}
        </Title>
        <Group align="end">{children}</Group>
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
      </Stack>
    </form>
  );
}
