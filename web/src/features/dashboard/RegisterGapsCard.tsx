import { Anchor, Badge, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Schemas } from '../../api/client';
import { gapFixRoute } from './posture';

/** The register's gaps by kind and severity, each example linked to the screen that fixes it. */
export function RegisterGapsCard({ gaps }: { gaps: Schemas['PostureResponseDto']['gaps'] }) {
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
