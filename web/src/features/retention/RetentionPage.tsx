import { Stack, Tabs, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { LegalHolds } from '../../components/legal-holds/LegalHolds';
import { canOperate } from '../../session/operations';
import { useSession } from '../../session/session';
import { ManualTasks } from './ManualTasks';
import { Overdue, Rules } from './RulesAndOverdue';
import { RunHistory } from './RunHistory';
import { RunLauncher } from './RunLauncher';

const TABS = ['runs', 'overdue', 'rules', 'tasks', 'holds'] as const;

/**
 * Retention: runs (dry run, confirmation, live progress, cancel, history), what is overdue, the
 * rules in plain words, manual tasks and legal holds. The tab and the run shown stay in the address.
 */
export default function RetentionPage() {
  const { t } = useTranslation();
  const { session } = useSession();
  const editable = canOperate(session?.principal.roles ?? []);
  const [params, setParams] = useSearchParams();
  const tab = TABS.find((x) => x === params.get('tab')) ?? 'runs';
  const runId = params.get('run');
  const update = (next: { tab?: string; run?: string | null }) => {
    const p = new URLSearchParams(params);
    if (next.tab) p.set('tab', next.tab);
    if (next.run !== undefined) {
      if (next.run) p.set('run', next.run);
      else p.delete('run');
    }
    setParams(p);
  };
  return (
    <Stack>
      <Title order={1} size="h2">
        {t('retention.title')}
      </Title>
      <Tabs value={tab} onChange={(v) => update({ tab: v ?? 'runs' })} keepMounted={false}>
        <Tabs.List>
          {TABS.map((x) => (
            <Tabs.Tab key={x} value={x}>
              {t(`retention.tabs.${x}`)}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value="runs" pt="md">
          <Stack>
            <RunLauncher editable={editable} shownRunId={runId} onShow={(id) => update({ run: id })} />
            <Title order={2} size="h4">
              {t('runs.history')}
            </Title>
            <RunHistory onShow={(id) => update({ run: id })} />
          </Stack>
        </Tabs.Panel>
        <Tabs.Panel value="overdue" pt="md">
          <Overdue />
        </Tabs.Panel>
        <Tabs.Panel value="rules" pt="md">
          <Rules />
        </Tabs.Panel>
        <Tabs.Panel value="tasks" pt="md">
          <ManualTasks editable={editable} />
        </Tabs.Panel>
        <Tabs.Panel value="holds" pt="md">
          <LegalHolds editable={editable} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
