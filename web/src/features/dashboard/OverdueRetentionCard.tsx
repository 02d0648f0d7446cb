import { Card, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '../../api/client';
import { overdueBySystem, totalOverdue } from './posture';

/** Data past its retention period, per system; the card's body waits for the overdue list. */
export function OverdueRetentionCard({ items }: { items: Schemas['OverdueDatasetDto'][] | undefined }) {
  const { t } = useTranslation();
  return (
    <Card withBorder component="section" aria-labelledby="overdue-title">
      <Title order={2} size="h4" id="overdue-title">
        {t('dashboard.overdue.title')}
      </Title>
      {items && <OverdueSummary items={items} />}
    </Card>
  );
}

function OverdueSummary({ items }: { items: Schemas['OverdueDatasetDto'][] }) {
  const { t } = useTranslation();
  const systems = overdueBySystem(items);
  const total = totalOverdue(items);
  return (
    <Stack gap="xs" mt="xs">
      <Text size="sm">
        {t('dashboard.overdue.total')}:{' '}
        <Text span fw={700} data-testid="overdue-total">
          {total}
        </Text>
      </Text>
      {systems.length === 0 ? (
        <Text size="sm">{t('dashboard.overdue.none')}</Text>
      ) : (
        <Table fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('dashboard.overdue.system')}</Table.Th>
              <Table.Th>{t('dashboard.overdue.rows')}</Table.Th>
              <Table.Th>{t('dashboard.overdue.datasets')}</Table.Th>
              <Table.Th>{t('dashboard.overdue.longest')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {systems.map((s) => (
              <Table.Tr key={s.system}>
                <Table.Td>{s.system}</Table.Td>
                <Table.Td>
                  {s.dueRows}
                  {s.unmeasured > 0 && ` (${t('dashboard.overdue.unmeasured', { count: s.unmeasured })})`}
                </Table.Td>
                <Table.Td>{s.datasets}</Table.Td>
                <Table.Td>
                  {s.maxOverdueDays === null ? '—' : t('dashboard.overdue.days', { count: s.maxOverdueDays })}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
