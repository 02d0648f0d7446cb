import { Badge, Card, Group, List, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { lazy, Suspense, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '../../api/client';
import { reasonLabelKey } from '../decisions/decision-query';
import { decisionSeries } from './posture';

// ECharts is large: it loads with the chart, after the dashboard's figures (initial JS budget).
const DecisionsChart = lazy(() => import('./DecisionsChart'));

/** Access decisions over the period: the chart per day, the top denial reasons and the spikes. */
export function AccessDecisionsCard({ posture }: { posture: Schemas['PostureResponseDto'] }) {
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
                        <Table.Td>
                          <DenialReason reason={r.reason} />
                        </Table.Td>
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

/** A denial reason as a DPO reads it, with its code (what the API, the trail and the search use). */
function DenialReason({ reason }: { reason: string }) {
  const { t } = useTranslation();
  const key = reasonLabelKey(reason);
  return (
    <>
      {key && <Text size="sm">{t(key)}</Text>}
      <Text size="xs" c="dimmed" ff="monospace">
        {reason}
      </Text>
    </>
  );
}
