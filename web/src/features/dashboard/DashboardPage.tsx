import { Alert, Group, SegmentedControl, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import { AccessDecisionsCard } from './AccessDecisionsCard';
import { AuditChainCard } from './AuditChainCard';
import { LegalHoldsCard } from './LegalHoldsCard';
import { OverdueRetentionCard } from './OverdueRetentionCard';
import { RegisterGapsCard } from './RegisterGapsCard';
import { RetentionRunsCard } from './RetentionRunsCard';
import { formatDateTime } from '../../i18n/format';

const PERIODS = ['7', '30', '90'] as const;

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
  const date = (value: string | Date) => formatDateTime(value, i18n.language);
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
        <AuditChainCard chain={posture.data?.auditChain} date={date} />
        <OverdueRetentionCard items={overdue.data?.items} />
        <LegalHoldsCard holds={holds.data?.items} />
        <RetentionRunsCard runs={runs.data?.items} date={date} />
      </SimpleGrid>
      {posture.data && <RegisterGapsCard gaps={posture.data.gaps} />}
      {posture.data && <AccessDecisionsCard posture={posture.data} />}
    </Stack>
  );
}
