import { describe, expect, it } from 'vitest';
import { TokenService } from './tokens.js';

describe('TokenService', () => {
  const secret = 'unit-test-secret-unit-test-secret-123';

  it('remembers a verified token only until it expires', async () => {
    let now = new Date('2026-12-02T10:00:00Z');
    const tokens = new TokenService(secret, 60, () => now);
    const token = await tokens.issue({ userId: 'u1', role: 'customer' });
    expect(await tokens.verify(token)).toEqual({
      ok: true,
      claims: { userId: 'u1', role: 'customer', tokenVersion: 0 },
    });
    now = new Date('2026-12-02T10:00:59Z');
    expect((await tokens.verify(token)).ok).toBe(true); // from the cache
    now = new Date('2026-12-02T10:01:01Z');
    expect(await tokens.verify(token)).toEqual({ ok: false, reason: 'expired' });
  });

  it('never accepts a tampered copy of a token it verified before', async () => {
    const tokens = new TokenService(secret, 3600);
    const token = await tokens.issue({ userId: 'u2', role: 'customer' });
    expect((await tokens.verify(token)).ok).toBe(true);
    const [header, , signature] = token.split('.');
    const payload = Buffer.from(JSON.stringify({ sub: 'u2', role: 'admin' })).toString('base64url');
    const forged = `${header}.${payload}.${signature}`;
    expect(await tokens.verify(forged)).toEqual({ ok: false, reason: 'invalid' });
    expect(await new TokenService('another-secret-another-secret-12345', 3600).verify(token)).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });
});
