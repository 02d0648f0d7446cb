import { Anchor, Badge, Card, Group, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Schemas } from '../../api/client';
import { ageParts, STALE_CHECKPOINT_SECONDS } from './posture';

/** The audit trail's head and its last signed checkpoint, flagged when the checkpoint is stale. */
export function AuditChainCard({
  chain,
  date,
}: {
  chain: Schemas['PostureResponseDto']['auditChain'] | undefined;
  date: (v: string) => string;
}) {
  const { t } = useTranslation();
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
