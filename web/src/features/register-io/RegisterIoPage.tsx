import {
  Alert,
  Button,
  Checkbox,
  FileButton,
  Group,
  List,
  Paper,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, unwrap, type Schemas } from '../../api/client';
import { useDescribeFailure } from '../../components/errors/use-server-errors';
import { canEditRegister, useSession } from '../../session/session';
import { KINDS, losses, registerProblems, summary, type RegisterDiff } from './import-diff';

type ImportResult = Schemas['RegisterImportResultDto'];
// A coloured alert title on its light background falls short of 4.5:1 (axe); the text colour does not.
const TITLE_CONTRAST = { title: { color: 'var(--mantine-color-text)' } };

/**
 * POST /register/import with the YAML as it is (the service parses it, with its bounds). The
 * generated client types the body as the parsed document; the text is sent unchanged instead.
 */
async function postImport(yaml: string, dryRun: boolean): Promise<ImportResult> {
  return unwrap(
    await api.POST('/register/import', {
      params: { query: { dryRun } },
      body: yaml as unknown as Schemas['RegisterDocumentDto'],
      bodySerializer: (body: unknown) => body as string,
      headers: { 'Content-Type': 'application/yaml' },
    }),
  );
}

/**
 * Register as code: export the register as YAML; import a YAML file only after its dry run was
 * shown (created, changed, and in a warning what it would retire or remove), then apply that same text.
 */
export default function RegisterIoPage() {
  const { t } = useTranslation();
  const { session } = useSession();
  const editable = canEditRegister(session?.principal.roles ?? []);
  return (
    <Stack>
      <Title order={1} size="h2">
        {t('registerIo.title')}
      </Title>
      <Text size="sm">{t('registerIo.intro')}</Text>
      <ExportPanel />
      {editable ? <ImportPanel /> : <Alert color="gray">{t('registerIo.readOnly')}</Alert>}
    </Stack>
  );
}

function ExportPanel() {
  const { t } = useTranslation();
  const describeFailure = useDescribeFailure();
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function download() {
    setFailure(null);
    setBusy(true);
    try {
      const { data, error, response } = await api.GET('/register/export', {
        params: { query: { format: 'yaml' } },
        parseAs: 'text',
      });
      if (error !== undefined || !response.ok || data === undefined) {
        unwrap({ error: error ?? {}, response });
        return;
      }
      const url = URL.createObjectURL(new Blob([data], { type: 'application/yaml' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = `register-${new Date().toISOString().slice(0, 10)}.yaml`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setFailure(describeFailure(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Paper withBorder p="md">
      <Stack gap="xs">
        <Title order={2} size="h3">
          {t('registerIo.export')}
        </Title>
        <Text size="sm">{t('registerIo.exportHelp')}</Text>
        {failure && (
          <Alert color="red" role="alert">
            {failure}
          </Alert>
        )}
        <Group>
          <Button onClick={() => void download()} loading={busy}>
            {t('registerIo.download')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function ImportPanel() {
  const { t } = useTranslation();
  const describeFailure = useDescribeFailure();
  const [yaml, setYaml] = useState('');
  const [fileName, setFileName] = useState<string | null>(null);
  // The dry run of exactly this text: editing the text drops it, so what is applied is what was shown.
  const [checked, setChecked] = useState<{ text: string; result: ImportResult } | null>(null);
  const [applied, setApplied] = useState<ImportResult | null>(null);
  const [acknowledged, setAcknowledged] = useState(false);
  const [failure, setFailure] = useState<{
    message: string;
    problems: { path: string; message: string }[];
  } | null>(null);
  const [busy, setBusy] = useState(false);

  const change = (text: string) => {
    setYaml(text);
    setChecked(null);
    setApplied(null);
    setAcknowledged(false);
    setFailure(null);
  };
  async function load(file: File | null) {
    if (!file) return;
    setFileName(file.name);
    change(await file.text());
  }
  async function run(dryRun: boolean) {
    setFailure(null);
    setBusy(true);
    try {
      const text = dryRun ? yaml : checked!.text;
      const result = await postImport(text, dryRun);
      if (dryRun) setChecked({ text, result });
      else {
        setApplied(result);
        setChecked(null);
        setAcknowledged(false);
      }
    } catch (e) {
      setChecked(null);
      setFailure({
        message: describeFailure(e),
        problems: e instanceof ApiError ? registerProblems(e.body.details) : [],
      });
    } finally {
      setBusy(false);
    }
  }

  const lost = checked ? losses(checked.result.diff) : [];
  const nothing = checked ? summary(checked.result.diff).empty : false;
  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Title order={2} size="h3">
          {t('registerIo.import')}
        </Title>
        <Text size="sm">{t('registerIo.importHelp')}</Text>
        <Group>
          <FileButton onChange={(f) => void load(f)} accept=".yaml,.yml,application/yaml,text/yaml,.json">
            {(props) => (
              <Button variant="default" {...props}>
                {t('registerIo.chooseFile')}
              </Button>
            )}
          </FileButton>
          {fileName && <Text size="sm">{t('registerIo.fileLoaded', { name: fileName })}</Text>}
        </Group>
        <Textarea
          label={t('registerIo.yaml')}
          description={t('registerIo.yamlHelp')}
          value={yaml}
          onChange={(e) => change(e.currentTarget.value)}
          autosize
          minRows={6}
          maxRows={20}
          styles={{ input: { fontFamily: 'monospace' } }}
        />
        <Group>
          <Button onClick={() => void run(true)} loading={busy && !checked} disabled={!yaml.trim()}>
            {t('registerIo.dryRun')}
          </Button>
        </Group>
        {failure && (
          <Alert color="red" role="alert" title={failure.message} styles={TITLE_CONTRAST}>
            {failure.problems.length > 0 && (
              <List size="sm" data-testid="import-problems">
                {failure.problems.map((p) => (
                  <List.Item key={`${p.path}:${p.message}`}>
                    <code>{p.path}</code> — {p.message}
                  </List.Item>
                ))}
              </List>
            )}
          </Alert>
        )}
        {checked && (
          <Stack gap="sm" data-testid="import-dry-run">
            <Title order={3} size="h4">
              {t('registerIo.dryRunTitle')}
            </Title>
            {nothing ? (
              <Alert color="gray">{t('registerIo.nothingToChange')}</Alert>
            ) : (
              <DiffTable diff={checked.result.diff} />
            )}
            {lost.length > 0 && (
              <Alert
                color="red"
                role="alert"
                title={t('registerIo.lossTitle')}
                styles={TITLE_CONTRAST}
                data-testid="import-losses"
              >
                <Stack gap="xs">
                  {lost.map(({ kind, keys }) => (
                    <Text size="sm" key={kind}>
                      {t(`registerIo.loss.${kind}`, { count: keys.length })} {keys.join(', ')}
                    </Text>
                  ))}
                  <Checkbox
                    label={t('registerIo.acknowledge')}
                    checked={acknowledged}
                    onChange={(e) => setAcknowledged(e.currentTarget.checked)}
                  />
                </Stack>
              </Alert>
            )}
            {!nothing && (
              <Group>
                <Button
                  color={lost.length > 0 ? 'red' : undefined}
                  onClick={() => void run(false)}
                  loading={busy}
                  disabled={lost.length > 0 && !acknowledged}
                >
                  {t('registerIo.apply')}
                </Button>
              </Group>
            )}
          </Stack>
        )}
        {applied && (
          <Alert color="green" role="status" title={t('registerIo.applied')} styles={TITLE_CONTRAST}>
            <DiffTable diff={applied.diff} />
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}

function DiffTable({ diff }: { diff: RegisterDiff }) {
  const { t } = useTranslation();
  return (
    <Table aria-label={t('registerIo.diff')}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{t('registerIo.kind')}</Table.Th>
          <Table.Th>{t('registerIo.created')}</Table.Th>
          <Table.Th>{t('registerIo.changed')}</Table.Th>
          <Table.Th>{t('registerIo.retired')}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {KINDS.map((kind) => (
          <Table.Tr key={kind}>
            <Table.Th scope="row">{t(`registerIo.kinds.${kind}`)}</Table.Th>
            {(['created', 'changed', 'retired'] as const).map((what) => (
              <Table.Td key={what}>{diff[kind][what].join(', ') || '—'}</Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
