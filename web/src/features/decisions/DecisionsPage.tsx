import { Button, Group, Select, Stack, Tabs, TextInput, Title } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import { DecisionTable } from '../../components/decisions/DecisionTable';
import { canExplain } from '../../session/operations';
import { useSession } from '../../session/session';
import { ACCESS_REASONS, EMPTY_SEARCH, toDecisionQuery, type DecisionSearchForm } from './decision-query';
import { ExplainTool } from './ExplainTool';
import { useApplications } from './use-applications';

/** Recorded access decisions, searched on the server, and the DPO's what-if explain tool. */
export default function DecisionsPage() {
  const { t } = useTranslation();
  const { session } = useSession();
  const explain = canExplain(session?.principal.roles ?? []);
  return (
    <Stack>
      <Title order={1} size="h2">
        {t('decisions.title')}
      </Title>
      <Tabs defaultValue="search" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="search">{t('decisions.search')}</Tabs.Tab>
          {explain && <Tabs.Tab value="explain">{t('decisions.explain')}</Tabs.Tab>}
        </Tabs.List>
        <Tabs.Panel value="search" pt="md">
          <DecisionSearch />
        </Tabs.Panel>
        {explain && (
          <Tabs.Panel value="explain" pt="md">
            <ExplainTool />
          </Tabs.Panel>
        )}
      </Tabs>
    </Stack>
  );
}

function DecisionSearch() {
  const { t } = useTranslation();
  const [form, setForm] = useState<DecisionSearchForm>(EMPTY_SEARCH);
  const [submitted, setSubmitted] = useState<DecisionSearchForm>(EMPTY_SEARCH);
  const applications = useApplications();
  const query = toDecisionQuery(submitted);
  const results = useInfiniteQuery({
    queryKey: ['decisions', 'search', query],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/audit/decisions', {
          params: { query: { ...query, limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const set = (key: keyof DecisionSearchForm) => (value: string | null) =>
    setForm((f) => ({ ...f, [key]: value ?? '' }));
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitted(form);
  }
  const items = results.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack>
      <form onSubmit={submit} role="search" aria-label={t('decisions.search')}>
        <Stack gap="xs">
          <Group align="end">
            <Select
              label={t('decisions.application')}
              clearable
              value={form.application || null}
              onChange={set('application')}
              data={(applications.data?.items ?? []).map((p) => ({ value: p.id, label: p.name }))}
            />
            <TextInput
              label={t('decisions.purpose')}
              value={form.purpose}
              onChange={(e) => set('purpose')(e.currentTarget.value)}
            />
            <TextInput
              label={t('decisions.field')}
              value={form.field}
              onChange={(e) => set('field')(e.currentTarget.value)}
            />
            <Select
              label={t('decisions.reason')}
              clearable
              value={form.reason || null}
              onChange={set('reason')}
              data={ACCESS_REASONS.map((r) => ({ value: r, label: t(`decisions.reasons.${r}`) }))}
            />
          </Group>
          <Group align="end">
            <Select
              label={t('decisions.outcome')}
              clearable
              value={form.decision || null}
              onChange={set('decision')}
              data={(['allow', 'partial', 'deny'] as const).map((d) => ({
                value: d,
                label: t(`decisions.outcomes.${d}`),
              }))}
            />
            <TextInput
              label={t('decisions.subject')}
              value={form.subjectId}
              onChange={(e) => set('subjectId')(e.currentTarget.value)}
            />
            <TextInput
              type="datetime-local"
              label={t('decisions.from')}
              value={form.from}
              onChange={(e) => set('from')(e.currentTarget.value)}
            />
            <TextInput
              type="datetime-local"
              label={t('decisions.to')}
              value={form.to}
              onChange={(e) => set('to')(e.currentTarget.value)}
            />
            <Button type="submit">{t('decisions.searchButton')}</Button>
          </Group>
        </Stack>
      </form>
      <DecisionTable items={items} caption={t('decisions.resultsCaption', { count: items.length })} />
      {results.hasNextPage && (
        <Button
          variant="default"
          onClick={() => void results.fetchNextPage()}
          loading={results.isFetchingNextPage}
        >
          {t('decisions.more')}
        </Button>
      )}
    </Stack>
  );
}
