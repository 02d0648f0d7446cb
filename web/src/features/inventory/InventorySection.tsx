import { Button, Group, Paper, Table, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * The datasets of a system, or the fields of a dataset: a titled table, named by its title, with a
 * "new" button for those who may edit and a sentence in its place when there is nothing yet.
 */
export function InventorySection({
  title,
  newLabel,
  onNew,
  empty,
  emptyText,
  headers,
  children,
}: {
  title: string;
  newLabel: string;
  /** Absent for a reader: no button. */
  onNew?: () => void;
  empty: boolean;
  emptyText: string;
  headers: readonly string[];
  /** The table's rows. */
  children: ReactNode;
}) {
  return (
    <Paper withBorder p="xs">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4">
          {title}
        </Title>
        {onNew && (
          <Button size="xs" onClick={onNew}>
            {newLabel}
          </Button>
        )}
      </Group>
      {empty ? (
        <Text>{emptyText}</Text>
      ) : (
        <Table aria-label={title}>
          <Table.Thead>
            <Table.Tr>
              {headers.map((h) => (
                <Table.Th key={h}>{h}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>{children}</Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}
