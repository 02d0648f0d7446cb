/**
 * One catalogue per language, assembled from one file per screen (`i18n/<lang>/<screen>.json`)
 * so that screens are translated side by side without editing a shared file. Each file holds its
 * own top-level sections; a section defined twice is a mistake, refused at start.
 */
export type Catalogue = Record<string, unknown>;

export function mergeCatalogue(files: Record<string, { default: Catalogue } | Catalogue>): Catalogue {
  const merged: Catalogue = {};
  for (const [path, module] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const sections = ('default' in module ? module.default : module) as Catalogue;
    for (const [section, value] of Object.entries(sections)) {
      if (section in merged) throw new Error(`i18n section "${section}" is defined twice (${path})`);
      merged[section] = value;
    }
  }
  return merged;
}

/** Every key path of a catalogue, `section.sub.key`, to compare languages. */
export function keyPaths(catalogue: Catalogue, prefix = ''): string[] {
  return Object.entries(catalogue).flatMap(([key, value]) =>
    value !== null && typeof value === 'object'
      ? keyPaths(value as Catalogue, `${prefix}${key}.`)
      : [`${prefix}${key}`],
  );
}
