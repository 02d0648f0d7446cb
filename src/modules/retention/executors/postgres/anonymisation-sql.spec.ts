import { createHash, createHmac } from 'node:crypto';
import { hmacPads } from './anonymisation-sql';

describe('keyed hash pads', () => {
  it('reproduce HMAC-SHA256 with two plain sha256 passes (what the SQL computes)', () => {
    const key = Buffer.from('a secret key of some length');
    const { inner, outer } = hmacPads(key);
    const message = Buffer.from('alice@example.com');
    const innerHash = createHash('sha256')
      .update(Buffer.concat([inner, message]))
      .digest();
    const viaPads = createHash('sha256')
      .update(Buffer.concat([outer, innerHash]))
      .digest('hex');
    expect(viaPads).toBe(createHmac('sha256', key).update(message).digest('hex'));
  });
});
