import { List, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { StatusBadge } from '../../components/StatusBadge';
import { api, unwrap } from '../../api/client';
import { RETENTION_QUERY } from './RunProgress';
import { overdueRows } from './run-state';
import { formatDate, formatDateTime } from '../../i18n/format';

/** What is overdue for purge, per dataset, measured now on the customer systems. */
export function Overdue() {
  const { t, i18n } = useTranslation();
  const overdue = useQuery({
    queryKey: [...RETENTION_QUERY, 'overdue'],
    queryFn: async () => unwrap(await api.GET('/retention/overdue')),
  });
  const items = overdue.data?.items ?? [];
  return (
    <Stack>
      <Text data-testid="overdue-total" fw={600}>
        {overdue.data ? t('overdue.total', { count: overdueRows(items) }) : t('overdue.measuring')}
      </Text>
      {overdue.data && (
        <Text size="sm" c="dimmed">
          {t('overdue.computedAt', { date: formatDateTime(overdue.data.computedAt, i18n.language) })}
        </Text>
      )}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={700}>
          <Table data-testid="overdue">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('runs.dataset')}</Table.Th>
                <Table.Th>{t('overdue.due')}</Table.Th>
                <Table.Th>{t('overdue.since')}</Table.Th>
                <Table.Th>{t('runs.held')}</Table.Th>
                <Table.Th>{t('runs.undated')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((d) => (
                <Table.Tr key={d.datasetId}>
                  <Table.Td>
                    {d.system} · <code>{d.dataset}</code>{' '}
                    <StatusBadge variant="outline">{d.executor}</StatusBadge>
                  </Table.Td>
                  <Table.Td data-testid={`overdue-${d.dataset}`}>
                    {d.measurable ? d.dueRows : (d.error ?? t('overdue.notMeasurable'))}
                  </Table.Td>
                  <Table.Td>
                    {d.oldestDueSince
                      ? t('overdue.sinceText', {
                          date: formatDate(d.oldestDueSince, i18n.language),
                          days: d.overdueDays ?? 0,
                        })
                      : '—'}
                  </Table.Td>
                  <Table.Td>{d.heldRows ?? '—'}</Table.Td>
                  <Table.Td>{d.undatedRows ?? '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

/** The effective rule of every field, per dataset, in plain words (as the service states them). */
export function Rules() {
  const { t } = useTranslation();
  const rules = useQuery({
    queryKey: ['retention', 'rules'],
    queryFn: async () => unwrap(await api.GET('/retention/rules')),
  });
  const items = rules.data?.items ?? [];
  if (rules.data && items.length === 0) return <Text c="dimmed">{t('rules.none')}</Text>;
  return (
    <Stack>
      {items.map((d) => (
        <Paper
          key={d.datasetId}
          withBorder
          p="md"
          component="section"
          aria-label={`${d.system} ${d.dataset}`}
        >
          <Title order={3} size="h5">
            {d.system} · <code>{d.dataset}</code>
          </Title>
          <List mt="xs" spacing={4}>
            {d.fields.map((f) => (
              <List.Item key={f.key}>
                <Text size="sm">
                  {f.rule}{' '}
                  {f.state !== 'bound' && (
                    <StatusBadge color="orange" variant="light" size="sm">
                      {t(`rules.states.${f.state}`)}
                    </StatusBadge>
                  )}
                </Text>
              </List.Item>
            ))}
          </List>
        </Paper>
      ))}
    </Stack>
  );
}
