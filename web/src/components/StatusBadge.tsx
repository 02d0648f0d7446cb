import { Badge, type BadgeProps } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A state shown as a badge: the colour is the background only, the label keeps the body's text
 * colour. Mantine's light badges put orange/yellow text on a pale tint, below 4.5:1 (axe). Never
 * narrower than its label: in a table column Mantine's badge shrank to an ellipsis ("AUTORI…").
 */
export function StatusBadge({ children, ...props }: BadgeProps & { children: ReactNode }) {
  return (
    <Badge
      variant="light"
      {...props}
      styles={{ root: { minWidth: 'max-content' }, label: { color: 'var(--mantine-color-text)' } }}
    >
      {children}
    </Badge>
  );
}
