import { Alert, Button, Group, Modal, Stack } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * The dialog the system, dataset and field forms share: the service's refusal on top, the form's
 * inputs, then Cancel and Save. Cancelling or closing reports "not saved".
 */
export function InventoryFormModal({
  title,
  error,
  saving,
  autoComplete,
  onSave,
  onClose,
  children,
}: {
  title: string;
  error: string | null;
  /**
   * Left undefined by forms that show no progress: Mantine mounts a loader on a boolean, even
   * false, so passing one would change those forms' markup.
   */
  saving?: boolean;
  /** "off" where the form takes a secret, so the browser neither fills nor keeps it. */
  autoComplete?: 'off';
  onSave(): void;
  onClose(saved: false): void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Modal
      opened
      onClose={() => onClose(false)}
      title={title}
      closeButtonProps={{ 'aria-label': t('app.close') }}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onSave();
        }}
        autoComplete={autoComplete}
      >
        <Stack>
          {error && (
            <Alert color="red" role="alert">
              {t('errors.fieldInvalid', { message: error })}
            </Alert>
          )}
          {children}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => onClose(false)}>
              {t('inventory.cancel')}
            </Button>
            <Button type="submit" loading={saving}>
              {t('inventory.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
