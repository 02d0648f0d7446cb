import {
  Alert,
  Button,
  Card,
  Group,
  List,
  SegmentedControl,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type Schemas } from '../../api/client';
import {
  DOWNLOAD_FORMATS,
  PERIOD_REPORTS,
  periodProblem,
  REPORT_KINDS,
  reportDownloadUrl,
  reportQuery,
  type ReportChoice,
} from './report-options';
import { formatDate, formatDateTime } from '../../i18n/format';

type Preview =
  | { kind: 'ropa'; doc: Schemas['RopaReportDto'] }
  | { kind: 'gaps'; doc: Schemas['GapsReportDto'] }
  | { kind: 'access'; doc: Schemas['AccessReportDto'] }
  | { kind: 'retention'; doc: Schemas['RetentionReportDto'] }
  | { kind: 'integrity'; doc: Schemas['IntegrityReportDto'] };

async function fetchPreview(choice: ReportChoice): Promise<Preview> {
  const params = { params: { query: reportQuery(choice, 'json') } };
  switch (choice.kind) {
    case 'ropa':
      return { kind: 'ropa', doc: unwrap(await api.GET('/reports/ropa', params)) };
    case 'gaps':
      return { kind: 'gaps', doc: unwrap(await api.GET('/reports/gaps', params)) };
    case 'access':
      return { kind: 'access', doc: unwrap(await api.GET('/reports/access', params)) };
    case 'retention':
      return { kind: 'retention', doc: unwrap(await api.GET('/reports/retention', params)) };
    case 'integrity':
      return { kind: 'integrity', doc: unwrap(await api.GET('/reports/integrity', params)) };
  }
}

/** Every compliance report, previewed and downloaded in French or English, for a chosen period. */
export default function ReportsPage() {
  const { t, i18n } = useTranslation();
  const [choice, setChoice] = useState<ReportChoice>({
    kind: 'ropa',
    lang: i18n.language === 'fr' ? 'fr' : 'en',
    from: '',
    to: '',
  });
  const preview = useMutation({ mutationFn: fetchPreview });
  const update = (next: Partial<ReportChoice>) => {
    setChoice((c) => ({ ...c, ...next }));
    preview.reset();
  };
  const problem = periodProblem(choice);

  return (
    <Stack>
      <Title order={1} size="h2">
        {t('reports.title')}
      </Title>
      <Card withBorder component="section" aria-labelledby="report-choice">
        <Stack>
          <Title order={2} size="h4" id="report-choice">
            {t('reports.choose')}
          </Title>
          <SegmentedControl
            aria-label={t('reports.kind')}
            value={choice.kind}
            onChange={(v) => update({ kind: v })}
            data={REPORT_KINDS.map((k) => ({ value: k, label: t(`reports.kinds.${k}.title`) }))}
          />
          <Text size="sm">{t(`reports.kinds.${choice.kind}.description`)}</Text>
          <Group align="flex-end">
            <SegmentedControl
              aria-label={t('reports.lang')}
              value={choice.lang}
              onChange={(v) => update({ lang: v })}
              data={[
                { value: 'fr', label: t('reports.langs.fr') },
                { value: 'en', label: t('reports.langs.en') },
              ]}
            />
            {PERIOD_REPORTS.has(choice.kind) && (
              <>
                <TextInput
                  type="date"
                  label={t('reports.from')}
                  value={choice.from}
                  onChange={(e) => update({ from: e.currentTarget.value })}
                />
                <TextInput
                  type="date"
                  label={t('reports.to')}
                  value={choice.to}
                  onChange={(e) => update({ to: e.currentTarget.value })}
                  error={problem ? t(`reports.${problem}`) : undefined}
                />
              </>
            )}
          </Group>
          {PERIOD_REPORTS.has(choice.kind) ? (
            <Text size="xs">{t('reports.periodHelp')}</Text>
          ) : (
            <Text size="xs">{t('reports.noPeriod')}</Text>
          )}
          <Group>
            <Button onClick={() => preview.mutate(choice)} loading={preview.isPending} disabled={!!problem}>
              {t('reports.preview')}
            </Button>
            {DOWNLOAD_FORMATS[choice.kind].map((format) => (
              <Button
                key={format}
                component="a"
                variant="default"
                href={problem ? undefined : reportDownloadUrl(choice, format)}
                download
                data-disabled={problem ? true : undefined}
                onClick={(e) => problem && e.preventDefault()}
              >
                {t(`reports.download.${format}`)}
              </Button>
            ))}
          </Group>
          <Text size="xs" c="dimmed">
            {t('reports.recorded')}
          </Text>
        </Stack>
      </Card>
      {preview.error && (
        <Alert color="red" role="alert">
          {t('errors.generic', { message: preview.error.message })}
        </Alert>
      )}
      {preview.data && (
        <Card withBorder component="section" aria-labelledby="report-preview" data-testid="report-preview">
          <Stack>
            <Title order={2} size="h4" id="report-preview">
              {preview.data.doc.title}
            </Title>
            <Text size="sm">
              {t('reports.generatedAt', {
                date: formatDateTime(preview.data.doc.generatedAt, i18n.language),
              })}
              {preview.data.doc.period &&
                ` — ${t('reports.periodShown', {
                  from: formatDate(preview.data.doc.period.from, i18n.language),
                  to: formatDateTime(preview.data.doc.period.to, i18n.language),
                })}`}
            </Text>
            <PreviewBody preview={preview.data} />
          </Stack>
        </Card>
      )}
    </Stack>
  );
}

function SimpleTable({ head, rows, testId }: { head: string[]; rows: ReactNode[][]; testId?: string }) {
  const { t } = useTranslation();
  if (rows.length === 0) return <Text size="sm">{t('reports.empty')}</Text>;
  return (
    <Table fz="sm" data-testid={testId}>
      <Table.Thead>
        <Table.Tr>
          {head.map((h) => (
            <Table.Th key={h}>{h}</Table.Th>
          ))}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((r, i) => (
          <Table.Tr key={i}>
            {r.map((cell, j) => (
              <Table.Td key={j}>{cell}</Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** Rows shown in the preview; the downloaded document has them all. */
const PREVIEW_ROWS = 50;

function PreviewBody({ preview }: { preview: Preview }) {
  const { t } = useTranslation();
  const c = (key: string) => t(`reports.columns.${key}`);
  switch (preview.kind) {
    case 'ropa': {
      const d = preview.doc;
      return (
        <>
          <Text size="sm">
            {t('reports.ropa.summary', { count: d.purposeCount, organisation: d.organisation?.name ?? '—' })}
          </Text>
          <SimpleTable
            testId="preview-rows"
            head={[c('code'), c('name'), c('legalBasis'), c('retention'), c('fields')]}
            rows={d.entries
              .slice(0, PREVIEW_ROWS)
              .map((e) => [
                e.code,
                e.name,
                e.legalBasisLabel,
                e.retention?.description ?? '—',
                e.fieldCount ?? '—',
              ])}
          />
        </>
      );
    }
    case 'gaps': {
      const d = preview.doc;
      return (
        <>
          <Text size="sm">{t('reports.gaps.summary', { count: d.summary.total })}</Text>
          <SimpleTable
            testId="preview-rows"
            head={[c('code'), c('severity'), c('message')]}
            rows={d.gaps.slice(0, PREVIEW_ROWS).map((g) => [g.code, g.severity, g.message])}
          />
        </>
      );
    }
    case 'access': {
      const d = preview.doc;
      const totals = d.totals as { decisions?: number };
      return (
        <>
          <Text size="sm">{t('reports.access.summary', { count: totals.decisions ?? 0 })}</Text>
          <SimpleTable
            testId="preview-rows"
            head={[c('application'), c('purpose'), c('outcome'), c('count')]}
            rows={d.rows
              .slice(0, PREVIEW_ROWS)
              .map((r) => [r.application, r.purposeCode, r.outcome, r.count])}
          />
          {d.unusualPatterns.length > 0 && (
            <List size="sm">
              {d.unusualPatterns.map((s) => (
                <List.Item key={s.application}>
                  {t('reports.access.spike', {
                    application: s.application,
                    denials: s.denials,
                    previous: s.previousDenials,
                  })}
                </List.Item>
              ))}
            </List>
          )}
        </>
      );
    }
    case 'retention': {
      const d = preview.doc;
      return (
        <>
          <Text size="sm">{t('reports.retention.summary', { runs: d.runs, failed: d.failedRuns })}</Text>
          <SimpleTable
            testId="preview-rows"
            head={[c('system'), c('dataset'), c('deleted'), c('anonymised'), c('held'), c('overdue')]}
            rows={d.rows
              .slice(0, PREVIEW_ROWS)
              .map((r) => [r.systemKey, r.datasetKey, r.deleted, r.anonymised, r.held, r.overdue])}
          />
        </>
      );
    }
    case 'integrity': {
      const d = preview.doc;
      const v = d.verification as { valid?: boolean; checkedEvents?: number; head?: { seq: number } | null };
      const checkpoint = d.checkpoint as { seq?: number } | null;
      return (
        <>
          <Alert variant="outline" color={v.valid ? 'teal.9' : 'red.9'}>
            {v.valid
              ? t('reports.integrity.valid', { count: v.checkedEvents ?? 0, seq: v.head?.seq ?? 0 })
              : t('reports.integrity.invalid')}
          </Alert>
          <Text size="sm">
            {checkpoint?.seq !== undefined
              ? t('reports.integrity.checkpoint', { seq: checkpoint.seq })
              : t('reports.integrity.noCheckpoint')}
          </Text>
          <List size="sm" type="ordered">
            {d.howToVerify.map((step) => (
              <List.Item key={step}>{step}</List.Item>
            ))}
          </List>
        </>
      );
    }
  }
}
