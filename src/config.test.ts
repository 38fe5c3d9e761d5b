import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from './config.js';

describe('readConfig', () => {
  it('has working defaults for development with nothing set', () => {
    const c = readConfig({});
    expect(c).toMatchObject({
      env: 'development',
      port: 3000,
      databaseUrl: undefined,
      databasePoolSize: 20,
      rateLimit: { perMinute: 600, anonymousPerMinute: 120, authPerMinute: 30 },
      seatStreamsPerIp: 10,
      holdTtlSeconds: 420,
      maxActiveHoldsPerUser: 2,
      admin: { email: 'admin@matinee.local' },
    });
  });

  it('converts and validates values, listing every bad variable at once', () => {
    expect(
      readConfig({
        PORT: '8080',
        HOLD_TTL_SECONDS: '1',
        WORKER_IN_PROCESS: 'false',
        DATABASE_POOL_SIZE: '8',
      }),
    ).toMatchObject({
      port: 8080,
      databasePoolSize: 8,
      holdTtlSeconds: 1,
      workerInProcess: false,
    });
    let err: unknown;
    try {
      readConfig({
        PORT: 'eighty',
        RATE_LIMIT_PER_MINUTE: '0',
        DATABASE_URL: 'mysql://x',
        DATABASE_POOL_SIZE: '0',
        LOG_LEVEL: 'loud',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    for (const v of ['PORT', 'RATE_LIMIT_PER_MINUTE', 'DATABASE_URL', 'DATABASE_POOL_SIZE', 'LOG_LEVEL'])
      expect(msg).toContain(v);
  });

  it('notification settings: defaults, SMTP and ticket key required in production, SMS URL needs a token', () => {
    expect(readConfig({})).toMatchObject({
      mail: { smtpUrl: undefined, from: 'Matinee <tickets@matinee.local>' },
      sms: { apiUrl: undefined },
      ticketSigningSecret: undefined,
      notifications: { retryLimit: 9, retryDelaySeconds: 30 },
    });
    expect(() => readConfig({ NODE_ENV: 'production' })).toThrow(/SMTP_URL[\s\S]*TICKET_SIGNING_SECRET/);
    expect(() => readConfig({ SMS_API_URL: 'https://sms.example.com/messages' })).toThrow(/SMS_API_TOKEN/);
    expect(() => readConfig({ SMTP_URL: 'http://x' })).toThrow(/SMTP_URL/);
  });

  it('refuses development defaults and missing secrets in production', () => {
    expect(() => readConfig({ NODE_ENV: 'production' })).toThrow(
      /JWT_SECRET[\s\S]*DATABASE_URL[\s\S]*ADMIN_/,
    );
    const ok = readConfig({
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(40),
      DATABASE_URL: 'postgres://db/matinee',
      ADMIN_EMAIL: 'ops@example.com',
      ADMIN_PASSWORD: 'a-long-unique-password',
      SMTP_URL: 'smtp://mail.example.com:587',
      TICKET_SIGNING_SECRET: 't'.repeat(40),
      PUBLIC_URL: 'https://tickets.example.com/',
    });
    expect(ok.env).toBe('production');
    expect(ok.publicUrl).toBe('https://tickets.example.com');
  });

  it('PUBLIC_URL: localhost on PORT by default outside production, required in production, a URL', () => {
    expect(readConfig({}).publicUrl).toBe('http://localhost:3000');
    expect(readConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(readConfig({ PUBLIC_URL: 'https://example.com/matinee/' }).publicUrl).toBe(
      'https://example.com/matinee',
    );
    expect(() => readConfig({ NODE_ENV: 'production' })).toThrow(/PUBLIC_URL is required/);
    expect(() => readConfig({ PUBLIC_URL: 'example.com' })).toThrow(/PUBLIC_URL/);
  });
});
