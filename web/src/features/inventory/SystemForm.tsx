import { Checkbox, Select, TextInput, Textarea } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type Schemas } from '../../api/client';
import { InventoryFormModal } from './InventoryFormModal';
import { errorText, orNull, orUndefined, type System } from './inventory-queries';

type Kind = Schemas['CreateSystemDto']['kind'];
const KINDS: readonly Kind[] = ['postgres', 'webhook', 'manual'];

/**
 * Create or edit a system. Secrets (connection string, webhook secret) are write-only: the inputs
 * start empty, typing sets or replaces the stored value, leaving them empty keeps it; nothing the
 * service stores is ever put back into the page (it returns only hasConnection / hasWebhookSecret).
 */
export function SystemForm({ system, onClose }: { system: System | null; onClose(saved: boolean): void }) {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const [name, setName] = useState(system?.name ?? '');
  const [kind, setKind] = useState<Kind>(system?.kind ?? 'postgres');
  const [description, setDescription] = useState(system?.description ?? '');
  const [owner, setOwner] = useState(system?.owner ?? '');
  const [hostingCountry, setHostingCountry] = useState(system?.hostingCountry ?? '');
  const [connectionString, setConnectionString] = useState('');
  const [clearConnection, setClearConnection] = useState(false);
  const [webhookUrl, setWebhookUrl] = useState(system?.webhookUrl ?? '');
  const [webhookSecret, setWebhookSecret] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  async function save() {
    setError(null);
    setSaving(true);
    try {
      const secrets = {
        ...(kind === 'postgres' && connectionString
          ? { connectionString }
          : kind === 'postgres' && clearConnection
            ? { connectionString: null }
            : {}),
        ...(kind === 'webhook' && webhookSecret ? { webhookSecret } : {}),
      };
      if (system) {
        unwrap(
          await api.PATCH('/systems/{code}', {
            params: { path: { code: system.code }, header: { 'If-Match': `"${system.version}"` } },
            body: {
              name: name.trim(),
              kind,
              description: orNull(description),
              owner: orNull(owner),
              hostingCountry: orNull(hostingCountry),
              ...(kind === 'webhook' ? { webhookUrl: orNull(webhookUrl) } : {}),
              ...secrets,
            },
          }),
        );
      } else {
        unwrap(
          await api.POST('/systems', {
            body: {
              code: code.trim(),
              name: name.trim(),
              kind,
              description: orUndefined(description),
              owner: orUndefined(owner),
              hostingCountry: orUndefined(hostingCountry),
              ...(kind === 'webhook' && webhookUrl.trim() ? { webhookUrl: webhookUrl.trim() } : {}),
              ...secrets,
            },
          }),
        );
      }
      // The secret leaves the page's memory as soon as it is sent.
      setConnectionString('');
      setWebhookSecret('');
      onClose(true);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setSaving(false);
    }
  }

  return (
    <InventoryFormModal
      title={system ? t('inventory.systems.edit', { code: system.code }) : t('inventory.systems.new')}
      error={error}
      saving={saving}
      autoComplete="off"
      onSave={() => void save()}
      onClose={onClose}
    >
      {!system && (
        <TextInput
          label={t('inventory.systems.code')}
          description={t('inventory.systems.codeHelp')}
          required
          value={code}
          onChange={(e) => setCode(e.currentTarget.value)}
        />
      )}
      <TextInput
        label={t('inventory.systems.name')}
        required
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
      />
      <Select
        label={t('inventory.systems.kind')}
        value={kind}
        allowDeselect={false}
        onChange={(v) => v && setKind(v)}
        data={KINDS.map((k) => ({ value: k, label: t(`inventory.kinds.${k}`) }))}
      />
      <Textarea
        label={t('inventory.systems.description')}
        value={description}
        onChange={(e) => setDescription(e.currentTarget.value)}
      />
      <TextInput
        label={t('inventory.systems.owner')}
        value={owner}
        onChange={(e) => setOwner(e.currentTarget.value)}
      />
      <TextInput
        label={t('inventory.systems.hostingCountry')}
        value={hostingCountry}
        onChange={(e) => setHostingCountry(e.currentTarget.value.toUpperCase())}
        maxLength={2}
      />
      {kind === 'postgres' && (
        <>
          <TextInput
            type="password"
            label={t('inventory.systems.connectionString')}
            description={
              system?.hasConnection
                ? t('inventory.systems.connectionStored')
                : t('inventory.systems.connectionHelp')
            }
            autoComplete="off"
            value={connectionString}
            onChange={(e) => setConnectionString(e.currentTarget.value)}
          />
          {system?.hasConnection && (
            <Checkbox
              label={t('inventory.systems.clearConnection')}
              checked={clearConnection}
              disabled={connectionString !== ''}
              onChange={(e) => setClearConnection(e.currentTarget.checked)}
            />
          )}
        </>
      )}
      {kind === 'webhook' && (
        <>
          <TextInput
            label={t('inventory.systems.webhookUrl')}
            value={webhookUrl}
            onChange={(e) => setWebhookUrl(e.currentTarget.value)}
          />
          <TextInput
            type="password"
            label={t('inventory.systems.webhookSecret')}
            description={
              system?.hasWebhookSecret
                ? t('inventory.systems.secretStored')
                : t('inventory.systems.secretHelp')
            }
            autoComplete="off"
            value={webhookSecret}
            onChange={(e) => setWebhookSecret(e.currentTarget.value)}
          />
        </>
      )}
    </InventoryFormModal>
  );
}
