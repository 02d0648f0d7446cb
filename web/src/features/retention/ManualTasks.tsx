import { Alert, Button, Group, Modal, NumberInput, Stack, Table, Text, TextInput } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type Schemas } from '../../api/client';
import { errorMessage } from '../../components/api-error';
import { RETENTION_QUERY } from './RunProgress';
import { formatDateTime } from '../../i18n/format';

type ManualTask = Schemas['ManualTaskResponseDto'];

/** Purges of systems Finalité cannot reach: instructions to carry out, then reported as done. */
export function ManualTasks({ editable }: { editable: boolean }) {
  const { t, i18n } = useTranslation();
  const [completing, setCompleting] = useState<ManualTask | null>(null);
  const tasks = useQuery({
    queryKey: [...RETENTION_QUERY, 'tasks'],
    queryFn: async () => unwrap(await api.GET('/retention/tasks', { params: { query: { status: 'all' } } })),
  });
  const items = tasks.data?.items ?? [];
  if (items.length === 0) return <Text c="dimmed">{t('tasks.none')}</Text>;
  return (
    <>
      <Table.ScrollContainer minWidth={700}>
        <Table data-testid="manual-tasks">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('runs.dataset')}</Table.Th>
              <Table.Th>{t('tasks.instructions')}</Table.Th>
              <Table.Th>{t('tasks.createdAt')}</Table.Th>
              <Table.Th>{t('runs.statusLabel')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((task) => (
              <Table.Tr key={task.id}>
                <Table.Td>
                  {task.system} · <code>{task.dataset}</code>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                    {task.instructions}
                  </Text>
                  {task.subjectIds && (
                    <Text size="xs">{t('tasks.subjects', { ids: task.subjectIds.join(', ') })}</Text>
                  )}
                </Table.Td>
                <Table.Td>{formatDateTime(task.createdAt, i18n.language)}</Table.Td>
                <Table.Td>
                  {task.status === 'open' && editable ? (
                    <Button size="compact-xs" onClick={() => setCompleting(task)}>
                      {t('tasks.complete')}
                    </Button>
                  ) : (
                    <Text size="sm">
                      {t(`tasks.status.${task.status}`)}
                      {task.status === 'done' &&
                        ` — ${t('tasks.doneText', { deleted: task.deleted ?? 0, anonymised: task.anonymised ?? 0, name: task.completedBy?.name ?? '' })}`}
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Modal
        opened={completing !== null}
        onClose={() => setCompleting(null)}
        title={t('tasks.complete')}
        closeButtonProps={{ 'aria-label': t('app.close') }}
      >
        {completing && <CompleteTaskForm task={completing} onDone={() => setCompleting(null)} />}
      </Modal>
    </>
  );
}

function CompleteTaskForm({ task, onDone }: { task: ManualTask; onDone(): void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [deleted, setDeleted] = useState<number>(0);
  const [anonymised, setAnonymised] = useState<number>(0);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    try {
      unwrap(
        await api.POST('/retention/tasks/{id}/complete', {
          params: { path: { id: task.id } },
          body: { deleted, anonymised, ...(note ? { note } : {}) },
        }),
      );
      await client.invalidateQueries({ queryKey: RETENTION_QUERY });
      onDone();
    } catch (e) {
      setError(errorMessage(e));
    }
  }
  return (
    <form onSubmit={(e) => void submit(e)}>
      <Stack>
        <Group grow>
          <NumberInput
            label={t('runs.deleted')}
            min={0}
            value={deleted}
            onChange={(v) => setDeleted(Number(v) || 0)}
          />
          <NumberInput
            label={t('runs.anonymised')}
            min={0}
            value={anonymised}
            onChange={(v) => setAnonymised(Number(v) || 0)}
          />
        </Group>
        <TextInput label={t('tasks.note')} value={note} onChange={(e) => setNote(e.currentTarget.value)} />
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        <Button type="submit">{t('tasks.markDone')}</Button>
      </Stack>
    </form>
  );
}
