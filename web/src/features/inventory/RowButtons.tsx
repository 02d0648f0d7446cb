import { Button } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** A row's name as a toggle: the chosen system or dataset opens the table below it. */
export function SelectRowButton({
  selected,
  onSelect,
  children,
}: {
  selected: boolean;
  onSelect(): void;
  children: ReactNode;
}) {
  return (
    <Button
      variant={selected ? 'filled' : 'subtle'}
      size="compact-sm"
      aria-pressed={selected}
      onClick={onSelect}
    >
      {children}
    </Button>
  );
}

/**
 * Edit and Delete for one row. A fragment, not a group: the systems table puts its Scan button in
 * the same group, before these two.
 */
export function EditDeleteButtons({
  name,
  onEdit,
  onDelete,
}: {
  name: string;
  onEdit(): void;
  onDelete(): void;
}) {
  const { t } = useTranslation();
  return (
    <>
      <Button
        size="compact-sm"
        variant="default"
        aria-label={t('inventory.editLabel', { name })}
        onClick={onEdit}
      >
        {t('inventory.edit')}
      </Button>
      <Button
        size="compact-sm"
        color="red"
        variant="light"
        aria-label={t('inventory.deleteLabel', { name })}
        onClick={onDelete}
      >
        {t('inventory.delete')}
      </Button>
    </>
  );
}
