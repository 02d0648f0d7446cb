import { QueryFailedError } from 'typeorm';
import { serializeError } from './error-serializer';

describe('serializeError', () => {
  it('keeps what explains a failed query and drops what may hold personal data', () => {
    const driverError = Object.assign(new Error('duplicate key value violates unique constraint'), {
      code: '23505',
      detail: 'Key (subject_id)=(jean.dupont@example.com) already exists.',
      where: 'SQL function "x" statement 1',
    });
    const err = new QueryFailedError(
      'INSERT INTO consent_event (subject_id) VALUES ($1)',
      ['jean.dupont@example.com'],
      driverError,
    );
    const logged = serializeError(err) as Record<string, unknown>;
    expect(logged).toMatchObject({
      type: 'QueryFailedError',
      message: 'duplicate key value violates unique constraint',
      code: '23505',
      query: 'INSERT INTO consent_event (subject_id) VALUES ($1)',
    });
    expect(JSON.stringify(logged)).not.toContain('jean.dupont');
    expect(logged).not.toHaveProperty('parameters');
    expect(logged).not.toHaveProperty('driverError');
  });

  it('passes anything that is not an Error through', () => {
    expect(serializeError('plain')).toBe('plain');
  });
});
