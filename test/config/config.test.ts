import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const production = {
  NODE_ENV: 'production',
  BASE_URL: 'https://rj.example.org',
  MAIL_FROM: 'RJ Service <rj@example.org>',
  SMTP_URL: 'smtp://smtp.example.org:587',
  LINK_SECRET: 'x'.repeat(43),
  SERVICE_PHONE: '0300 000 1234',
  SERVICE_EMAIL: 'rj@example.org',
  TOTP_KEY: 'y'.repeat(43),
};

describe('configuration', () => {
  it('has local defaults outside production: captured mail beside the database, and a local link secret', () => {
    const config = loadConfig({ DATABASE_PATH: 'data/x/rj.sqlite' });
    expect(config.smtpUrl).toBeUndefined();
    expect(config.mailDir).toBe('data/x/mail');
    expect(config.linkSecret).toBeUndefined();
    expect(config.service.phone).toBeTruthy();
  });

  it('two-factor sign-in: supervisors and admins by default; facilitators when named; none only outside production', () => {
    expect(loadConfig({}).twoFactorRoles.sort()).toEqual(['admin', 'supervisor']);
    expect(loadConfig({ REQUIRE_2FA_FOR: 'facilitator,supervisor,admin' }).twoFactorRoles.sort()).toEqual(['admin', 'facilitator', 'supervisor']);
    expect(loadConfig({ REQUIRE_2FA_FOR: 'none' }).twoFactorRoles).toEqual([]);
    expect(loadConfig({ ...production, REQUIRE_2FA_FOR: 'facilitator' }).twoFactorRoles.sort()).toEqual(['admin', 'facilitator', 'supervisor']);
    expect(() => loadConfig({ ...production, REQUIRE_2FA_FOR: 'none' })).toThrow(new ConfigError('REQUIRE_2FA_FOR cannot be none in production'));
    expect(() => loadConfig({ REQUIRE_2FA_FOR: 'clerk' })).toThrow(/REQUIRE_2FA_FOR: none, or a comma-separated list/);
  });

  it('loads a complete production environment', () => {
    expect(loadConfig(production)).toMatchObject({ production: true, smtpUrl: production.SMTP_URL, linkSecret: production.LINK_SECRET });
  });

  it.each(['BASE_URL', 'MAIL_FROM', 'SMTP_URL', 'LINK_SECRET', 'SERVICE_PHONE', 'SERVICE_EMAIL', 'TOTP_KEY'])('requires %s in production', (name) => {
    const env: Record<string, string> = { ...production };
    delete env[name];
    expect(() => loadConfig(env)).toThrow(new ConfigError(`${name} must be set in production`));
  });

  it('refuses a short link secret and a malformed duration, naming them', () => {
    expect(() => loadConfig({ LINK_SECRET: 'short' })).toThrow(/LINK_SECRET: use at least 32 random characters/);
    expect(() => loadConfig({ INVITATION_EXPIRES_AFTER: '21 days' })).toThrow(/INVITATION_EXPIRES_AFTER/);
  });
});
