import { Badge, Card, List, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Schemas } from '../../api/client';
import { formatDate } from '../../i18n/format';

/** The legal holds in force (the first 8), with their count. */
export function LegalHoldsCard({ holds }: { holds: Schemas['LegalHoldResponseDto'][] | undefined }) {
  const { t, i18n } = useTranslation();
  return (
    <Card withBorder component="section" aria-labelledby="holds-title">
      <Title order={2} size="h4" id="holds-title">
        {t('dashboard.holds.title')}{' '}
        {holds && (
          <Badge variant="light" data-testid="holds-count">
            {holds.length}
          </Badge>
        )}
      </Title>
      {holds &&
        (holds.length === 0 ? (
          <Text size="sm">{t('dashboard.holds.none')}</Text>
        ) : (
          <List size="sm" mt="xs">
            {holds.slice(0, 8).map((h) => (
              <List.Item key={h.id}>
                {t(`dashboard.holds.scope.${h.scope}`, {
                  id: h.subjectId ?? h.systemCode ?? h.datasetId ?? '',
                })}{' '}
                — {h.reason} (
                {h.endsAt
                  ? t('dashboard.holds.until', {
                      date: formatDate(h.endsAt, i18n.language),
                    })
                  : t('dashboard.holds.noEnd')}
                )
              </List.Item>
            ))}
          </List>
        ))}
    </Card>
  );
}
