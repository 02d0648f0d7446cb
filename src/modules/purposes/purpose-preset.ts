import { RETENTION_PRESETS } from '../retention/presets/retention-presets';
import type { CreatePurposeDto } from './dto/create-purpose.dto';
import type { RetentionTrigger } from './purpose.model';
import { PurposePresetUnknown } from './purposes.errors';

/**
 * A purpose drafted from a CNIL preset (GET /retention/presets, issue 15): what the request leaves
 * out is taken from the preset; what it gives wins. Only the retention of the active phase is
 * filled: this branch's purposes have no archive declaration yet (ADR 0054), so a preset's
 * archive phase is not copied (the preset code recorded on the purpose still names it).
 */
export function draftFromPreset(dto: CreatePurposeDto): CreatePurposeDto {
  if (dto.presetCode === undefined) return dto;
  const preset = RETENTION_PRESETS.find((p) => p.code === dto.presetCode);
  if (!preset) {
    throw new PurposePresetUnknown(`No retention preset "${dto.presetCode}" (GET /retention/presets)`, {
      presetCode: dto.presetCode,
      knownPresetCodes: RETENTION_PRESETS.map((p) => p.code),
    });
  }
  if (dto.retention !== undefined) return dto;
  return Object.assign(Object.create(Object.getPrototypeOf(dto) as object) as CreatePurposeDto, dto, {
    retention: { duration: preset.retention.duration, trigger: preset.retention.trigger as RetentionTrigger },
  });
}
