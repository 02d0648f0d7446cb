import {
  Alert,
  Anchor,
  Badge,
  Card,
  Group,
  List,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, unwrap, type Schemas } from '../../api/client';
import {
  ageParts,
  decisionSeries,
  gapFixRoute,
  overdueBySystem,
  STALE_CHECKPOINT_SECONDS,
  totalOverdue,
} from './posture';

// ECharts is large: it loads with the chart, after the dashboard's figures (initial JS budget).
const DecisionsChart = lazy(() => import('./DecisionsChart'));

const PERIODS = ['7', '30', '90'] as const;
type Posture = Schemas['PostureResponseDto'];

/** The compliance posture at a glance, for DPOs and auditors (read-only). */
export default function DashboardPage() {
  const { t, i18n } = useTranslation();
  const [days, setDays] = useState<(typeof PERIODS)[number]>('30');
  const posture = useQuery({
    queryKey: ['dashboard', 'posture', days],
    queryFn: async () =>
      unwrap(await api.GET('/dashboard/posture', { params: { query: { days: Number(days) } } })),
  });
  const overdue = useQuery({
    queryKey: ['retention', 'overdue'],
    queryFn: async () => unwrap(await api.GET('/retention/overdue')),
  });
  const holds = useQuery({
    queryKey: ['legal-holds', 'in_force'],
    queryFn: async () => unwrap(await api.GET('/legal-holds', { params: { query: { state: 'in_force' } } })),
  });
  const runs = useQuery({
    queryKey: ['retention', 'runs', 'latest'],
    queryFn: async () => unwrap(await api.GET('/retention/runs', { params: { query: { limit: 5 } } })),
  });
  const date = (value: string | Date) => new Date(value).toLocaleString(i18n.language);
  const failure = [posture, overdue, holds, runs].find((q) => q.error)?.error;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t('dashboard.title')}
        </Title>
        <SegmentedControl
          aria-label={t('dashboard.period')}
          value={days}
          onChange={(v) => setDays(v)}
          data={PERIODS.map((p) => ({ value: p, label: t('dashboard.periodDays', { count: Number(p) }) }))}
        />
      </Group>
      {failure && (
        <Alert color="red" role="alert">
          {t('errors.generic', { message: failure.message })}
        </Alert>
      )}
      {posture.data && (
        <Text size="sm" c="dimmed">
          {t('dashboard.generatedAt', { date: date(posture.data.generatedAt) })}
        </Text>
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <ChainCard posture={posture.data} date={date} />
        <Card withBorder component="section" aria-labelledby="overdue-title">
          <Title order={2} size="h4" id="overdue-title">
            {t('dashboard.overdue.title')}
          </Title>
          {overdue.data && <OverdueSummary items={overdue.data.items} />}
        </Card>
        <Card withBorder component="section" aria-labelledby="holds-title">
          <Title order={2} size="h4" id="holds-title">
            {t('dashboard.holds.title')}{' '}
            {holds.data && (
              <Badge variant="light" data-testid="holds-count">
                {holds.data.items.length}
              </Badge>
            )}
          </Title>
          {holds.data &&
            (holds.data.items.length === 0 ? (
              <Text size="sm">{t('dashboard.holds.none')}</Text>
            ) : (
              <List size="sm" mt="xs">
                {holds.data.items.slice(0, 8).map((h) => (
                  <List.Item key={h.id}>
                    {t(`dashboard.holds.scope.${h.scope}`, {
                      id: h.subjectId ?? h.systemCode ?? h.datasetId ?? '',
                    })}{' '}
                    — {h.reason} (
                    {h.endsAt
                      ? t('dashboard.holds.until', {
                          date: new Date(h.endsAt).toLocaleDateString(i18n.language),
                        })
                      : t('dashboard.holds.noEnd')}
                    )
                  </List.Item>
                ))}
              </List>
            ))}
        </Card>
        <Card withBorder component="section" aria-labelledby="runs-title">
          <Title order={2} size="h4" id="runs-title">
            {t('dashboard.runs.title')}
          </Title>
          {runs.data &&
            (runs.data.items.length === 0 ? (
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
                  {runs.data.items.map((r) => (
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
      </SimpleGrid>
      {posture.data && <GapsCard gaps={posture.data.gaps} />}
      {posture.data && <AccessCard posture={posture.data} />}
    </Stack>
  );
}

function ChainCard({ posture, date }: { posture: Posture | undefined; date: (v: string) => string }) {
  const { t } = useTranslation();
  const chain = posture?.auditChain;
  const checkpoint = chain?.lastCheckpoint;
  const age = checkpoint ? ageParts(checkpoint.ageSeconds) : null;
  return (
    <Card withBorder component="section" aria-labelledby="chain-title" data-testid="chain-card">
      <Title order={2} size="h4" id="chain-title">
        {t('dashboard.chain.title')}
      </Title>
      {chain && (
        <Stack gap={4} mt="xs">
          {chain.head ? (
            <Group gap="xs">
              <Text size="sm">{t('dashboard.chain.head', { seq: chain.head.seq })}</Text>
              <Badge color={chain.head.verified ? 'teal.9' : 'red.9'} variant="filled">
                {chain.head.verified ? t('dashboard.chain.verified') : t('dashboard.chain.notVerified')}
              </Badge>
            </Group>
          ) : (
            <Text size="sm">{t('dashboard.chain.empty')}</Text>
          )}
          {checkpoint && age ? (
            <Group gap="xs">
              <Text size="sm" title={date(checkpoint.signedAt)}>
                {t('dashboard.chain.checkpoint', {
                  seq: checkpoint.seq,
                  age: t(`dashboard.age.${age.unit}`, { count: age.value }),
                })}
              </Text>
              {checkpoint.ageSeconds > STALE_CHECKPOINT_SECONDS && (
                <Badge color="red.9" variant="outline">
                  {t('dashboard.chain.stale')}
                </Badge>
              )}
            </Group>
          ) : (
            <Text size="sm">{t('dashboard.chain.noCheckpoint')}</Text>
          )}
          <Anchor component={Link} to="/audit" size="sm">
            {t('dashboard.chain.open')}
          </Anchor>
        </Stack>
      )}
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

function GapsCard({ gaps }: { gaps: Posture['gaps'] }) {
  const { t } = useTranslation();
  return (
    <Card withBorder component="section" aria-labelledby="gaps-title">
      <Group>
        <Title order={2} size="h4" id="gaps-title">
          {t('dashboard.gaps.title')}
        </Title>
        <Badge variant="light" data-testid="gaps-total">
          {t('dashboard.gaps.total', { count: gaps.total })}
        </Badge>
        {(['high', 'medium', 'low'] as const).map((s) => (
          <Badge
            key={s}
            variant="outline"
            color={s === 'high' ? 'red.9' : s === 'medium' ? 'grape.9' : 'gray.8'}
          >
            {t(`dashboard.gaps.severity.${s}`)}: {gaps.bySeverity[s] ?? 0}
          </Badge>
        ))}
      </Group>
      {gaps.kinds.length === 0 ? (
        <Text size="sm" mt="xs">
          {t('dashboard.gaps.none')}
        </Text>
      ) : (
        <Table fz="sm" mt="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('dashboard.gaps.kind')}</Table.Th>
              <Table.Th>{t('dashboard.gaps.severityLabel')}</Table.Th>
              <Table.Th>{t('dashboard.gaps.count')}</Table.Th>
              <Table.Th>{t('dashboard.gaps.fix')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {gaps.kinds.map((k) => (
              <Table.Tr key={k.code} data-gap={k.code}>
                <Table.Td>{t(`dashboard.gaps.kinds.${k.code}`, { defaultValue: k.code })}</Table.Td>
                <Table.Td>{t(`dashboard.gaps.severity.${k.severity}`)}</Table.Td>
                <Table.Td>{k.count}</Table.Td>
                <Table.Td>
                  <Stack gap={0}>
                    {k.examples.map((e) => (
                      <Anchor
                        key={`${e.object.type}:${e.object.id}`}
                        component={Link}
                        to={gapFixRoute(e.object)}
                        size="sm"
                      >
                        {t('dashboard.gaps.fixIn', { id: e.object.id })}
                      </Anchor>
                    ))}
                  </Stack>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {gaps.unavailableChecks.length > 0 && (
        <Text size="xs" c="dimmed" mt="xs">
          {t('dashboard.gaps.unavailable', { codes: gaps.unavailableChecks.join(', ') })}
        </Text>
      )}
    </Card>
  );
}

function AccessCard({ posture }: { posture: Posture }) {
  const { t } = useTranslation();
  const access = posture.access;
  const series = useMemo(
    () => (access ? decisionSeries(access.perDay, posture.period.from, posture.period.to) : null),
    [access, posture.period.from, posture.period.to],
  );
  return (
    <Card withBorder component="section" aria-labelledby="access-title">
      <Group>
        <Title order={2} size="h4" id="access-title">
          {t('dashboard.access.title')}
        </Title>
        {access && (
          <Badge variant="light" data-testid="decisions-total">
            {t('dashboard.access.total', { count: access.total })}
          </Badge>
        )}
      </Group>
      {!access || !series ? (
        <Text size="sm">{t('dashboard.access.unavailable')}</Text>
      ) : (
        <Stack mt="xs">
          {access.total === 0 ? (
            <Text size="sm">{t('dashboard.access.none')}</Text>
          ) : (
            <Suspense fallback={<Text size="sm">{t('dashboard.loading')}</Text>}>
              <DecisionsChart data={series} />
            </Suspense>
          )}
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <div>
              <Title order={3} size="h5">
                {t('dashboard.access.reasons')}
              </Title>
              {access.topDenialReasons.length === 0 ? (
                <Text size="sm">{t('dashboard.access.noDenial')}</Text>
              ) : (
                <Table fz="sm" data-testid="denial-reasons">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('dashboard.access.reason')}</Table.Th>
                      <Table.Th>{t('dashboard.access.count')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {access.topDenialReasons.map((r) => (
                      <Table.Tr key={r.reason}>
                        <Table.Td ff="monospace">{r.reason}</Table.Td>
                        <Table.Td>{r.count}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </div>
            <div>
              <Title order={3} size="h5">
                {t('dashboard.access.spikes')}
              </Title>
              {access.spikes.length === 0 ? (
                <Text size="sm">{t('dashboard.access.noSpike')}</Text>
              ) : (
                <List size="sm" data-testid="denial-spikes">
                  {access.spikes.map((s) => (
                    <List.Item key={s.applicationId}>
                      {t('dashboard.access.spike', {
                        application: s.application,
                        denials: s.denials,
                        previous: s.previousDenials,
                        purposes: s.purposes.join(', '),
                      })}
                    </List.Item>
                  ))}
                </List>
              )}
            </div>
          </SimpleGrid>
        </Stack>
      )}
    </Card>
  );
}
