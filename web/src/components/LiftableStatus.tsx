import { Button, Group, Text } from '@mantine/core';
import { StatusBadge } from './StatusBadge';

/**
 * The state of something a DPO sets and later lifts (a legal hold, a restriction or objection):
 * in force, with Lift for those who may, or the sentence that says when and how it was lifted.
 */
export function LiftableStatus({
  inForce,
  inForceLabel,
  liftLabel,
  liftedText,
  canLift,
  onLift,
}: {
  inForce: boolean;
  inForceLabel: string;
  liftLabel: string;
  liftedText: string;
  canLift: boolean;
  onLift(): void;
}) {
  return inForce ? (
    <Group gap="xs">
      <StatusBadge color="orange" variant="light">
        {inForceLabel}
      </StatusBadge>
      {canLift && (
        <Button size="compact-xs" variant="default" onClick={onLift}>
          {liftLabel}
        </Button>
      )}
    </Group>
  ) : (
    <Text size="sm">{liftedText}</Text>
  );
}
