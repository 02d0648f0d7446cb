import { describe, expect, it } from 'vitest';
import { downloadUrl } from './download-url';

describe('downloadUrl', () => {
  it('encodes the parameters given and leaves empty ones out', () => {
    expect(downloadUrl('/reports/ropa', { format: 'pdf', lang: 'fr', from: '', to: undefined })).toBe(
      '/reports/ropa?format=pdf&lang=fr',
    );
    expect(downloadUrl('/audit/export', { type: 'access.*', subjectId: 'a b&c' })).toBe(
      '/audit/export?type=access.*&subjectId=a+b%26c',
    );
    expect(downloadUrl('/audit/checkpoints/export', {})).toBe('/audit/checkpoints/export');
  });
});
