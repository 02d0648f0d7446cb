import { Button, Table, Text, VisuallyHidden } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { StatusBadge } from '../../components/StatusBadge';
import { api, unwrap } from '../../api/client';
import { RETENTION_QUERY, statusColour } from './RunProgress';
import { isTerminal } from './run-state';
import { formatDateTime } from '../../i18n/format';

/** The last runs, newest first; refreshed while one is still going. */
export function RunHistory({ onShow }: { onShow(id: string): void }) {
  const { t, i18n } = useTranslation();
  const runs = useQuery({
    queryKey: [...RETENTION_QUERY, 'runs'],
    queryFn: async () => unwrap(await api.GET('/retention/runs', { params: { query: { limit: 25 } } })),
    refetchInterval: (q) => ((q.state.data?.items ?? []).some((r) => !isTerminal(r.status)) ? 2000 : false),
  });
  const items = runs.data?.items ?? [];
  if (items.length === 0) return <Text c="dimmed">{t('runs.noRun')}</Text>;
  return (
    <Table.ScrollContainer minWidth={800}>
      <Table data-testid="run-history">
        <Table.Caption>{t('runs.historyCaption')}</Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('runs.createdAt')}</Table.Th>
            <Table.Th>{t('runs.kind')}</Table.Th>
            <Table.Th>{t('runs.scope')}</Table.Th>
            <Table.Th>{t('runs.statusLabel')}</Table.Th>
            <Table.Th>{t('runs.totals')}</Table.Th>
            <Table.Th>{t('runs.requestedBy')}</Table.Th>
            <Table.Th>
              <VisuallyHidden>{t('runs.show')}</VisuallyHidden>
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((r) => (
            <Table.Tr key={r.id}>
              <Table.Td>{formatDateTime(r.createdAt, i18n.language)}</Table.Td>
              <Table.Td>
                {t(`runs.kinds.${r.kind}`)} · {r.dryRun ? t('runs.dryRun') : t('runs.realRun')}
              </Table.Td>
              <Table.Td>{r.system ?? t('runs.everySystem')}</Table.Td>
              <Table.Td>
                <StatusBadge variant="light" color={statusColour(r.status)}>
                  {t(`runs.status.${r.status}`)}
                </StatusBadge>
              </Table.Td>
              <Table.Td>{t('runs.totalsText', { ...r.totals })}</Table.Td>
              <Table.Td>{r.requestedBy.name}</Table.Td>
              <Table.Td>
                <Button size="compact-xs" variant="default" onClick={() => onShow(r.id)}>
                  {t('runs.show')}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
