import type { Schemas } from '../../api/client';

export type RetentionPreset = Schemas['RetentionPresetDto'];
type Lang = 'fr' | 'en';

/** The console's language for the API's bilingual texts (French unless the UI is in English). */
export function presetLang(language: string | undefined): Lang {
  return language?.toLowerCase().startsWith('en') ? 'en' : 'fr';
}

/** The choices of the preset select: code as value, the API's label in the console's language. */
export function presetOptions(presets: RetentionPreset[], lang: Lang): { value: string; label: string }[] {
  return presets
    .map((p) => ({ value: p.code, label: p.label[lang] }))
    .sort((a, b) => a.label.localeCompare(b.label, lang));
}

/**
 * What choosing a preset fills in the form (the server does the same when the form sends none):
 * the active phase, and the intermediate archive with its legal reason in French, the register's
 * language, as the server drafts it.
 */
export function presetRetention(preset: RetentionPreset): {
  duration: string;
  trigger: string;
  archive: { duration: string; legalReason: string } | null;
} {
  return {
    duration: preset.retention.duration,
    trigger: preset.retention.trigger,
    archive: preset.archive
      ? { duration: preset.archive.duration, legalReason: preset.archive.legalReason.fr }
      : null,
  };
}

/** One line under the select: where the duration comes from, and the archive phase if any. */
export function presetSummary(preset: RetentionPreset, lang: Lang): string {
  const source = [preset.source.text, preset.source.article].filter(Boolean).join(', ');
  const note = preset.note?.[lang];
  const archive = preset.archive
    ? `${lang === 'fr' ? 'Archive intermédiaire' : 'Intermediate archive'} ${preset.archive.duration}: ${preset.archive.legalReason[lang]}`
    : null;
  return [note, archive, source].filter(Boolean).join(' — ');
}
