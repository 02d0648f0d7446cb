import { Alert, Button, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { StatusBadge } from '../../components/StatusBadge';
import { api, unwrap } from '../../api/client';
import { errorMessage } from '../../components/api-error';
import { erasureInProgress, erasureTotals } from './subject-view';
import { formatDateTime } from '../../i18n/format';

/**
 * Erasure requests (art. 17) and their progress per system, refreshed while one is moving; a
 * completed request shows what was deleted, anonymised or kept and why: the purge proof.
 */
export function SubjectErasure({ subjectId, editable }: { subjectId: string; editable: boolean }) {
  const { t, i18n } = useTranslation();
  const client = useQueryClient();
  const key = ['subject', subjectId, 'erasure'];
  const list = useQuery({
    queryKey: key,
    queryFn: async () =>
      unwrap(await api.GET('/subjects/{subjectId}/erasure', { params: { path: { subjectId } } })),
    refetchInterval: (q) => (erasureInProgress(q.state.data?.items ?? []) ? 1000 : false),
  });
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const date = (iso: string | null) => (iso ? formatDateTime(iso, i18n.language) : '—');
  async function request(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!window.confirm(t('subject.confirmErasure', { id: subjectId }))) return;
    setError(null);
    try {
      unwrap(
        await api.POST('/subjects/{subjectId}/erasure', {
          params: { path: { subjectId } },
          body: reason ? { reason } : {},
        }),
      );
      setReason('');
    } catch (e) {
      setError(errorMessage(e));
    }
    await client.invalidateQueries({ queryKey: key });
  }
  const items = list.data?.items ?? [];
  return (
    <Stack>
      {items.length === 0 && <Text c="dimmed">{t('subject.noErasure')}</Text>}
      {items.map((r) => {
        const totals = erasureTotals(r);
        return (
          <Stack key={r.id} gap="xs" data-testid="erasure-request">
            <Group gap="xs" aria-live="polite">
              <StatusBadge
                variant="light"
                color={r.status === 'completed' ? 'green' : r.status === 'failed' ? 'red' : 'blue'}
              >
                {t(`runs.status.${r.status}`)}
              </StatusBadge>
              <Text size="sm">
                {t('subject.requestedOn', { date: date(r.requestedAt), name: r.requestedBy.name })}
                {r.reason ? ` — ${r.reason}` : ''}
              </Text>
            </Group>
            {r.status === 'completed' && (
              <Text size="sm" data-testid="purge-proof">
                {t('subject.purgeProof', { date: date(r.completedAt), runId: r.runId, ...totals })}
              </Text>
            )}
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('runs.dataset')}</Table.Th>
                  <Table.Th>{t('runs.statusLabel')}</Table.Th>
                  <Table.Th>{t('runs.deleted')}</Table.Th>
                  <Table.Th>{t('runs.anonymised')}</Table.Th>
                  <Table.Th>{t('runs.held')}</Table.Th>
                  <Table.Th>{t('runs.exemptions')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {r.datasets.map((d) => (
                  <Table.Tr key={d.datasetId}>
                    <Table.Td>
                      {d.system} · <code>{d.dataset}</code>
                    </Table.Td>
                    <Table.Td>{t(`runs.datasetStatus.${d.status}`)}</Table.Td>
                    <Table.Td>{d.deleted}</Table.Td>
                    <Table.Td>{d.anonymised}</Table.Td>
                    <Table.Td>{d.held}</Table.Td>
                    <Table.Td>
                      {d.exemptions.map((x) => `${t(`runs.exemption.${x.kind}`)}: ${x.reason}`).join('; ') ||
                        '—'}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Stack>
        );
      })}
      {editable && (
        <form onSubmit={(e) => void request(e)}>
          <Group align="end">
            <TextInput
              label={t('subject.erasureReason')}
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
            />
            <Button type="submit" color="red">
              {t('subject.requestErasure')}
            </Button>
          </Group>
          {error && (
            <Alert color="red" role="alert" mt="xs">
              {error}
            </Alert>
          )}
        </form>
      )}
    </Stack>
  );
}
