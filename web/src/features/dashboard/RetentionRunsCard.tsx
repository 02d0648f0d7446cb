import { Badge, Card, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '../../api/client';

/** The latest retention runs, newest first, with their deleted / anonymised / held totals. */
export function RetentionRunsCard({
  runs,
  date,
}: {
  runs: Schemas['RetentionRunResponseDto'][] | undefined;
  date: (v: string) => string;
}) {
  const { t } = useTranslation();
  return (
    <Card withBorder component="section" aria-labelledby="runs-title">
      <Title order={2} size="h4" id="runs-title">
        {t('dashboard.runs.title')}
      </Title>
      {runs &&
        (runs.length === 0 ? (
          <Text size="sm">{t('dashboard.runs.none')}</Text>
        ) : (
          <Table fz="sm" data-testid="runs-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('dashboard.runs.started')}</Table.Th>
                <Table.Th>{t('dashboard.runs.kind')}</Table.Th>
                <Table.Th>{t('dashboard.runs.status')}</Table.Th>
                <Table.Th>{t('dashboard.runs.counts')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {runs.map((r) => (
                <Table.Tr key={r.id}>
                  <Table.Td>{date(r.createdAt)}</Table.Td>
                  <Table.Td>
                    {t(`dashboard.runs.kinds.${r.kind}`, { defaultValue: r.kind })}
                    {r.dryRun && ` (${t('dashboard.runs.dryRun')})`}
                  </Table.Td>
                  <Table.Td>
                    <Badge
                      variant="light"
                      color={
                        r.status === 'completed' ? 'green.9' : r.status === 'failed' ? 'red.9' : 'gray.8'
                      }
                    >
                      {t(`dashboard.runs.statuses.${r.status}`, { defaultValue: r.status })}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {r.totals.deleted} / {r.totals.anonymised} / {r.totals.held}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ))}
    </Card>
  );
}
