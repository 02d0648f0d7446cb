import { Alert, Button, Group, Progress, Stack, Table, Text } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { StatusBadge } from '../../components/StatusBadge';
import { api, unwrap } from '../../api/client';
import { errorMessage } from '../../components/api-error';
import {
  batchesSoFar,
  canCancel,
  datasetProgress,
  isTerminal,
  keptRows,
  type RetentionRun,
} from './run-state';

export const RETENTION_QUERY = ['retention'] as const;
export const runQueryKey = (id: string) => [...RETENTION_QUERY, 'run', id];

/** A run polled every second until it ends; then what may have changed is fetched again. */
export function useRun(id: string | null) {
  const client = useQueryClient();
  const query = useQuery({
    queryKey: runQueryKey(id ?? ''),
    enabled: id !== null,
    queryFn: async () => unwrap(await api.GET('/retention/runs/{id}', { params: { path: { id: id! } } })),
    refetchInterval: (q) => (isTerminal(q.state.data?.status) ? false : 1000),
  });
  const ended = isTerminal(query.data?.status);
  useEffect(() => {
    // Overdue rows, history and tasks change when a run ends.
    if (ended)
      void client.invalidateQueries({
        predicate: (q) => q.queryKey[0] === RETENTION_QUERY[0] && q.queryKey[1] !== 'run',
      });
  }, [ended, client]);
  return query;
}

/** Live progress of a run: batches and rows deleted, anonymised and held per dataset; cancel. */
export function RunProgress({ run, editable }: { run: RetentionRun; editable: boolean }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const progress = datasetProgress(run);
  async function cancel() {
    if (!window.confirm(t('runs.confirmCancel'))) return;
    setError(null);
    try {
      unwrap(await api.POST('/retention/runs/{id}/cancel', { params: { path: { id: run.id } } }));
    } catch (e) {
      setError(errorMessage(e));
    }
    await client.invalidateQueries({ queryKey: runQueryKey(run.id) });
  }
  return (
    <Stack gap="xs" data-testid="run-progress" data-status={run.status}>
      <Group justify="space-between">
        <Group gap="xs" aria-live="polite" role="status">
          <StatusBadge variant="light" color={statusColour(run.status)}>
            {t(`runs.status.${run.status}`)}
          </StatusBadge>
          <Text size="sm">
            {run.dryRun ? t('runs.dryRun') : t('runs.realRun')} · {t(`runs.kinds.${run.kind}`)} ·{' '}
            {t('runs.batchesSoFar', { count: batchesSoFar(run) })}
            {run.cancelRequested && !isTerminal(run.status) ? ` · ${t('runs.cancelRequested')}` : ''}
          </Text>
        </Group>
        {editable && canCancel(run) && (
          <Button color="red" variant="default" size="xs" onClick={() => void cancel()}>
            {t('runs.cancel')}
          </Button>
        )}
      </Group>
      <Progress
        value={progress.percent}
        aria-label={t('runs.progress', { done: progress.done, total: progress.total })}
        animated={!isTerminal(run.status)}
      />
      {run.error && (
        <Alert color="red" role="alert">
          {run.error}
        </Alert>
      )}
      {error && (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      )}
      <Table.ScrollContainer minWidth={800}>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('runs.dataset')}</Table.Th>
              <Table.Th>{t('runs.statusLabel')}</Table.Th>
              <Table.Th>{t('runs.batches')}</Table.Th>
              <Table.Th>{t('runs.scanned')}</Table.Th>
              <Table.Th>{run.dryRun ? t('runs.wouldDelete') : t('runs.deleted')}</Table.Th>
              <Table.Th>{run.dryRun ? t('runs.wouldAnonymise') : t('runs.anonymised')}</Table.Th>
              <Table.Th>{t('runs.held')}</Table.Th>
              <Table.Th>{t('runs.undated')}</Table.Th>
              <Table.Th>{t('runs.errors')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {run.datasets.map((d) => (
              <Table.Tr key={d.datasetId} data-testid={`run-dataset-${d.dataset}`}>
                <Table.Td>
                  {d.system} · <code>{d.dataset}</code>
                </Table.Td>
                <Table.Td>{t(`runs.datasetStatus.${d.status}`)}</Table.Td>
                <Table.Td>{d.batches}</Table.Td>
                <Table.Td>{d.scanned}</Table.Td>
                <Table.Td data-testid="deleted">{d.deleted}</Table.Td>
                <Table.Td data-testid="anonymised">{d.anonymised}</Table.Td>
                <Table.Td data-testid="held">{d.held}</Table.Td>
                <Table.Td>{d.undated}</Table.Td>
                <Table.Td>{d.error ?? d.errors}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {run.datasets.map((d) =>
        d.exemptions.length ||
        d.archived ||
        d.archiveDeleted ||
        keptRows(d).length ||
        (run.dryRun && d.sampleKeys.length) ? (
          <Stack key={d.datasetId} gap={2}>
            {keptRows(d).map((k) => (
              <Text size="sm" key={k.reason} data-testid="kept-rows">
                {k.reason.startsWith('constraint:')
                  ? t('runs.keptReferenced', {
                      dataset: d.dataset,
                      rows: k.rows,
                      constraint: k.reason.slice('constraint:'.length),
                    })
                  : t('runs.keptField', {
                      dataset: d.dataset,
                      rows: k.rows,
                      field: k.reason.slice('field:'.length),
                    })}
              </Text>
            ))}
            {(d.archived > 0 || d.archiveDeleted > 0) && (
              <Text size="sm" data-testid="archive-counts">
                {t('runs.archiveCounts', {
                  dataset: d.dataset,
                  archived: d.archived,
                  deleted: d.archiveDeleted,
                })}
              </Text>
            )}
            {d.exemptions.map((x, i) => (
              <Text size="sm" key={i}>
                {d.dataset}: {t(`runs.exemption.${x.kind}`)} — {x.reason}
              </Text>
            ))}
            {run.dryRun && d.sampleKeys.length > 0 && (
              <Text size="sm" data-testid="sample-keys">
                {t('runs.sampleKeys', { dataset: d.dataset })}{' '}
                <code>{d.sampleKeys.map((k) => k.join('/')).join(', ')}</code>
              </Text>
            )}
          </Stack>
        ) : null,
      )}
    </Stack>
  );
}

export function statusColour(status: RetentionRun['status']): string {
  return {
    completed: 'green',
    failed: 'red',
    cancelled: 'gray',
    queued: 'blue',
    running: 'blue',
    waiting: 'yellow',
  }[status];
}
