import { Injectable } from '@nestjs/common';
import type { RetentionPresetDto } from '../dto/retention-preset.dto';
import { RETENTION_PRESETS, RetentionPreset } from './retention-presets';

/** The catalogue of CNIL retention presets (reference data, read-only). */
@Injectable()
export class RetentionPresetsService {
  list(): RetentionPresetDto[] {
    return RETENTION_PRESETS.map((p) => structuredClone(p) as RetentionPresetDto);
  }

  find(code: string): RetentionPreset | undefined {
    return RETENTION_PRESETS.find((p) => p.code === code);
  }
}
