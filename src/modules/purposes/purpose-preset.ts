import { RETENTION_PRESETS } from '../retention/presets/retention-presets';
import type { CreatePurposeDto } from './dto/create-purpose.dto';
import type { RetentionTrigger } from './purpose.model';
import { PurposePresetUnknown } from './purposes.errors';

/**
 * A purpose drafted from a CNIL preset (GET /retention/presets, issue 15): what the request leaves
 * out is taken from the preset; what it gives wins. The retention comes whole: the active phase
 * and, where the référentiel has one, the intermediate archive with its legal reason in the
 * CNIL's French wording (the register's language; the DPO edits the draft like any other).
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
    retention: {
      duration: preset.retention.duration,
      trigger: preset.retention.trigger as RetentionTrigger,
      ...(preset.archive
        ? { archive: { duration: preset.archive.duration, legalReason: preset.archive.legalReason.fr } }
        : {}),
    },
  });
}
