import { Alert, Button, Group, Select, Stack, Textarea, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, unwrap, type Schemas } from '../../api/client';
import { useServerErrors } from '../../components/errors/use-server-errors';
import { presetLang, presetOptions, presetRetention, presetSummary } from './purpose-presets';

type Purpose = Schemas['PurposeResponseDto'];
type Declaration = Schemas['UpdatePurposeDto'];

export const LEGAL_BASES = [
  'consent',
  'contract',
  'legal_obligation',
  'vital_interests',
  'public_task',
  'legitimate_interests',
] as const;
const TRIGGERS = ['collection', 'last_interaction', 'contract_end', 'consent_withdrawal'] as const;
const LIST_FIELDS = ['dataSubjectCategories', 'dataCategories', 'recipients', 'securityMeasures'] as const;
const FORM_FIELDS = [
  'code',
  'presetCode',
  'name',
  'description',
  'parentCode',
  'legalBasis',
  'legitimateInterest',
  'controller',
  'retention.duration',
  'retention.trigger',
  'retention.archive.duration',
  'retention.archive.legalReason',
  ...LIST_FIELDS,
];

const lines = (value: string): string[] | null => {
  const items = value
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length > 0 ? items : null;
};

/**
 * Create or edit a purpose, in the order of an art. 30 record. Only the purpose's own values are
 * filled in (inherited ones stay inherited unless typed in); an empty field clears its own value.
 * An edit sends If-Match with the version the form was opened on: a 412 means someone else changed it.
 */
export function PurposeForm(props: {
  purpose?: Purpose;
  parentCode?: string;
  onDone(purpose: Purpose): void;
  onCancel(): void;
  onConflict(): void;
}) {
  const { t, i18n } = useTranslation();
  const own = (field: keyof Purpose) =>
    props.purpose && !props.purpose.inheritedFrom[field] ? props.purpose[field] : null;
  const { errors, setFromError, clear, fieldError: err } = useServerErrors(FORM_FIELDS);
  const [busy, setBusy] = useState(false);
  const ownRetention = own('retention') as Schemas['RetentionDto'] | null;
  // Controlled so that choosing a preset fills them in (and the DPO can still change them).
  const [duration, setDuration] = useState(ownRetention?.duration ?? '');
  const [trigger, setTrigger] = useState<string>(ownRetention?.trigger ?? 'collection');
  // The intermediate archive phase (ADR 0052): kept as declared when the form is saved.
  const [archiveDuration, setArchiveDuration] = useState(ownRetention?.archive?.duration ?? '');
  const [archiveReason, setArchiveReason] = useState(ownRetention?.archive?.legalReason ?? '');
  const [presetCode, setPresetCode] = useState<string | null>(null);
  const lang = presetLang(i18n.language);
  // Presets are offered on creation only: a purpose records the preset it was drafted from.
  const presets = useQuery({
    queryKey: ['retention', 'presets'],
    queryFn: async () => unwrap(await api.GET('/retention/presets')).items,
    enabled: !props.purpose,
    staleTime: Infinity,
  });
  const chosen = presets.data?.find((p) => p.code === presetCode);

  function choosePreset(code: string | null) {
    setPresetCode(code);
    const preset = presets.data?.find((p) => p.code === code);
    if (!preset) return;
    const retention = presetRetention(preset);
    setDuration(retention.duration);
    setTrigger(retention.trigger);
    setArchiveDuration(retention.archive?.duration ?? '');
    setArchiveReason(retention.archive?.legalReason ?? '');
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const text = (name: string) => {
      const value = data.get(name);
      return typeof value === 'string' ? value.trim() : '';
    };
    const duration = text('retention.duration');
    const declaration: Declaration = {
      name: text('name'),
      description: text('description') || null,
      legalBasis: (text('legalBasis') || null) as Declaration['legalBasis'],
      legitimateInterest: text('legitimateInterest') || null,
      controller: text('controller') ? { name: text('controller') } : null,
      retention: duration
        ? {
            duration,
            trigger: (text('retention.trigger') || 'collection') as Schemas['RetentionDto']['trigger'],
            archive: text('retention.archive.duration')
              ? {
                  duration: text('retention.archive.duration'),
                  legalReason: text('retention.archive.legalReason') || null,
                }
              : null,
          }
        : null,
      ...Object.fromEntries(LIST_FIELDS.map((f) => [f, lines(text(f))])),
    };
    setBusy(true);
    clear();
    try {
      const saved = props.purpose
        ? unwrap(
            await api.PATCH('/purposes/{code}', {
              params: {
                path: { code: props.purpose.code },
                header: { 'If-Match': `"${props.purpose.version}"` },
              },
              body: declaration,
            }),
          )
        : unwrap(
            await api.POST('/purposes', {
              body: {
                ...declaration,
                code: text('code'),
                name: text('name'),
                ...(presetCode ? { presetCode } : {}),
                ...(props.parentCode ? { parentCode: props.parentCode } : {}),
              },
            }),
          );
      props.onDone(saved);
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) props.onConflict();
      else setFromError(e);
    } finally {
      setBusy(false);
    }
  }

  const p = props.purpose;
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <Stack>
        {errors._form && (
          <Alert color="red" role="alert">
            {errors._form}
          </Alert>
        )}
        <TextInput
          name="code"
          label={t('purpose.code')}
          defaultValue={p?.code}
          disabled={!!p}
          required
          error={err('code')}
        />
        {props.parentCode && <TextInput label={t('purpose.parentCode')} value={props.parentCode} readOnly />}
        {!p && (presets.data?.length ?? 0) > 0 && (
          <Select
            label={t('purpose.preset')}
            description={chosen ? presetSummary(chosen, lang) : t('purpose.presetHelp')}
            clearable
            clearButtonProps={{ 'aria-label': t('app.clear') }}
            value={presetCode}
            onChange={choosePreset}
            data={presetOptions(presets.data ?? [], lang)}
            error={err('presetCode')}
          />
        )}
        {p?.presetCode && <TextInput label={t('purpose.presetCode')} value={p.presetCode} readOnly />}
        <TextInput
          name="name"
          label={t('purpose.name')}
          defaultValue={p?.name}
          required
          error={err('name')}
        />
        <Textarea
          name="description"
          label={t('purpose.description')}
          defaultValue={(own('description') as string) ?? ''}
          error={err('description')}
        />
        <Select
          name="legalBasis"
          label={t('purpose.legalBasis')}
          clearable
          clearButtonProps={{ 'aria-label': t('app.clear') }}
          defaultValue={(own('legalBasis') as string) ?? null}
          data={LEGAL_BASES.map((b) => ({ value: b, label: t(`purpose.legalBases.${b}`) }))}
          error={err('legalBasis')}
        />
        <Textarea
          name="legitimateInterest"
          label={t('purpose.legitimateInterest')}
          defaultValue={(own('legitimateInterest') as string) ?? ''}
          error={err('legitimateInterest')}
        />
        <TextInput
          name="controller"
          label={t('purpose.controller')}
          defaultValue={(own('controller') as Schemas['PartyDto'] | null)?.name ?? ''}
          error={err('controller')}
        />
        {LIST_FIELDS.map((f) => (
          <Textarea
            key={f}
            name={f}
            label={t(`purpose.${f}`)}
            description={t('purpose.listHelp')}
            autosize
            minRows={2}
            defaultValue={((own(f) as string[] | null) ?? []).join('\n')}
            error={err(f)}
          />
        ))}
        <TextInput
          name="retention.duration"
          label={t('purpose.retentionDuration')}
          value={duration}
          onChange={(e) => setDuration(e.currentTarget.value)}
          error={err('retention.duration')}
        />
        <Select
          name="retention.trigger"
          label={t('purpose.retentionTrigger')}
          value={trigger}
          onChange={(v) => setTrigger(v ?? 'collection')}
          data={TRIGGERS.map((v) => ({ value: v, label: t(`purpose.triggers.${v}`) }))}
          error={err('retention.trigger')}
        />
        <TextInput
          name="retention.archive.duration"
          label={t('purpose.archiveDuration')}
          description={t('purpose.archiveHelp')}
          value={archiveDuration}
          onChange={(e) => setArchiveDuration(e.currentTarget.value)}
          error={err('retention.archive.duration')}
        />
        <TextInput
          name="retention.archive.legalReason"
          label={t('purpose.archiveLegalReason')}
          value={archiveReason}
          onChange={(e) => setArchiveReason(e.currentTarget.value)}
          disabled={!archiveDuration}
          error={err('retention.archive.legalReason')}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onCancel}>
            {t('register.actions.cancel')}
          </Button>
          <Button type="submit" loading={busy}>
            {t('register.actions.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
