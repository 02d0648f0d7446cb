import { describe, expect, it } from 'vitest';
import {
  presetLang,
  presetOptions,
  presetRetention,
  presetSummary,
  type RetentionPreset,
} from './purpose-presets';

const preset = (code: string, fr: string, en: string, archive = false): RetentionPreset => ({
  code,
  label: { fr, en },
  retention: { duration: 'P1D', trigger: 'contract_end' },
  archive: archive
    ? { duration: 'P5Y', legalReason: { fr: 'Prescription (art. 2224)', en: 'Limitation (art. 2224)' } }
    : null,
  note: { fr: 'Le temps du contrat.', en: 'For the contract.' },
  source: { text: 'Code civil', article: 'Article 2224', date: '2008-06-17', url: null },
});

describe('purpose presets in the creation form', () => {
  const presets = [
    preset('cnil.prospects', 'Prospects', 'Prospects'),
    preset('cnil.contract', 'Preuve du contrat', 'Contract evidence', true),
  ];

  it('offers the presets with the API labels in the console language, sorted', () => {
    expect(presetOptions(presets, 'en')).toEqual([
      { value: 'cnil.contract', label: 'Contract evidence' },
      { value: 'cnil.prospects', label: 'Prospects' },
    ]);
    expect(presetOptions(presets, 'fr').map((o) => o.label)).toEqual(['Preuve du contrat', 'Prospects']);
    expect(presetLang('en-GB')).toBe('en');
    expect(presetLang('fr-FR')).toBe('fr');
    expect(presetLang(undefined)).toBe('fr');
  });

  it('fills the retention from the preset and says where it comes from, archive phase included', () => {
    expect(presetRetention(presets[1])).toEqual({
      duration: 'P1D',
      trigger: 'contract_end',
      archive: { duration: 'P5Y', legalReason: 'Prescription (art. 2224)' },
    });
    expect(presetRetention(presets[0]).archive).toBeNull();
    const summary = presetSummary(presets[1], 'fr');
    expect(summary).toContain('Archive intermédiaire P5Y: Prescription (art. 2224)');
    expect(summary).toContain('Code civil, Article 2224');
    expect(presetSummary(presets[0], 'en')).not.toContain('archive');
  });
});
