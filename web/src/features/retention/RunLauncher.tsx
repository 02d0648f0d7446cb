import { Alert, Button, Group, Modal, Paper, Select, Stack, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type Schemas } from '../../api/client';
import { errorMessage } from '../../components/api-error';
import { RunProgress, runQueryKey, useRun } from './RunProgress';
import { realRunAfter } from './run-state';
import { formatDateTime } from '../../i18n/format';

/**
 * Starting a run the safe way: a dry run first (counts and sample keys, nothing changed), then
 * the real run of the same scope after an explicit confirmation, followed live.
 */
export function RunLauncher({
  editable,
  shownRunId,
  onShow,
}: {
  editable: boolean;
  shownRunId: string | null;
  onShow(id: string | null): void;
}) {
  const { t, i18n } = useTranslation();
  const rules = useQuery({
    queryKey: ['retention', 'rules'],
    queryFn: async () => unwrap(await api.GET('/retention/rules')),
  });
  const [system, setSystem] = useState<string | null>(null);
  const [dataset, setDataset] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const client = useQueryClient();
  const run = useRun(shownRunId);
  const datasets = rules.data?.items ?? [];
  const systems = [...new Set(datasets.map((d) => d.system))];
  const real = run.data ? realRunAfter(run.data) : null;

  async function start(body: Schemas['CreateRetentionRunDto']) {
    setError(null);
    try {
      const created = unwrap(await api.POST('/retention/runs', { body }));
      // Shown as created (queued) at once, then polled: a short run is still seen starting.
      client.setQueryData(runQueryKey(created.id), created);
      onShow(created.id);
    } catch (e) {
      setError(errorMessage(e));
    }
  }
  return (
    <Stack>
      {editable && (
        <Paper withBorder p="md">
          <Stack gap="xs">
            <Title order={2} size="h4">
              {t('runs.start')}
            </Title>
            <Text size="sm" c="dimmed">
              {t('runs.startHelp')}
            </Text>
            <Group align="end">
              <Select
                label={t('runs.system')}
                placeholder={t('runs.everySystem')}
                clearable
                value={system}
                onChange={(v) => {
                  setSystem(v);
                  setDataset(null);
                }}
                data={systems}
              />
              <Select
                label={t('runs.datasetOptional')}
                placeholder={t('runs.everyDataset')}
                clearable
                disabled={system === null}
                value={dataset}
                onChange={setDataset}
                data={datasets
                  .filter((d) => d.system === system)
                  .map((d) => ({ value: d.datasetId, label: d.dataset }))}
              />
              <Button
                onClick={() =>
                  void start({ dryRun: true, ...(system ? { system } : {}), ...(dataset ? { dataset } : {}) })
                }
              >
                {t('runs.startDryRun')}
              </Button>
            </Group>
          </Stack>
        </Paper>
      )}
      {error && (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      )}
      {run.data && (
        <Paper withBorder p="md" component="section" aria-labelledby="shown-run">
          <Stack>
            <Group justify="space-between">
              <Title order={2} size="h4" id="shown-run">
                {t('runs.shown', { date: formatDateTime(run.data.createdAt, i18n.language) })}
              </Title>
              <Button variant="subtle" size="xs" onClick={() => onShow(null)}>
                {t('app.close')}
              </Button>
            </Group>
            <RunProgress run={run.data} editable={editable} />
            {editable && real && (
              <Group>
                <Text size="sm">{t('runs.dryRunDone')}</Text>
                <Button color="red" onClick={() => setConfirming(true)}>
                  {t('runs.runForReal')}
                </Button>
              </Group>
            )}
          </Stack>
        </Paper>
      )}
      <Modal
        opened={confirming && real !== null && run.data !== undefined}
        onClose={() => setConfirming(false)}
        title={t('runs.confirmTitle')}
        closeButtonProps={{ 'aria-label': t('app.close') }}
      >
        {run.data && (
          <Stack>
            <Text>{t('runs.confirmText', { ...run.data.totals })}</Text>
            <Group justify="end">
              <Button variant="default" onClick={() => setConfirming(false)}>
                {t('runs.back')}
              </Button>
              <Button
                color="red"
                onClick={() => {
                  setConfirming(false);
                  void start(real!);
                }}
              >
                {t('runs.confirmRun')}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}
