import { Badge, type BadgeProps } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A state shown as a badge: the colour is the background only, the label keeps the body's text
 * colour. Mantine's light badges put orange/yellow text on a pale tint, below 4.5:1 (axe).
 */
export function StatusBadge({ children, ...props }: BadgeProps & { children: ReactNode }) {
  return (
    <Badge variant="light" {...props} styles={{ label: { color: 'var(--mantine-color-text)' } }}>
      {children}
    </Badge>
  );
}
