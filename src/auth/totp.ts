import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

// RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30-second steps.
const period = 30;
const totpFor = (secret: string, issuer: string, label: string) => new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period, secret: Secret.fromBase32(secret) });

/** A code typed with spaces or a dash, as apps show them, is the same code. */
export const normaliseCode = (typed: string) => typed.replace(/[\s-]/g, '');

/**
 * Two-factor sign-in with time-based one-time codes. Secrets are kept encrypted
 * (AES-256-GCM under a key derived from TOTP_KEY, which stays out of the database),
 * so a copy of the database alone cannot make codes.
 */
export function createTotp(keySecret: string, issuer: string) {
  const key = createHash('sha256').update(`rj-totp-key:${keySecret}`).digest();

  const encrypt = (secret: string): string => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  };
  const decrypt = (stored: string): string => {
    const [version, iv, body, tag] = stored.split('.');
    if (version !== 'v1' || !iv || !body || !tag) throw new Error('not an encrypted TOTP secret');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  };

  return {
    /** A new secret (160 bits, base32) for enrolment: shown once as a QR code and as text. */
    newSecret: () => new Secret({ size: 20 }).base32,
    encrypt,
    decrypt,
    /** The otpauth:// URI and its QR code as SVG, drawn here: nothing leaves the server. */
    async enrolment(secret: string, accountName: string) {
      const uri = totpFor(secret, issuer, accountName).toString();
      return { uri, qrSvg: await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }) };
    },
    /**
     * The time step a code is valid for at `now` (one step either side, for clocks that
     * drift), or undefined. The caller must then record the step as used, so a code
     * replayed within its window is refused.
     */
    stepOf(secret: string, typed: string, now: Date): number | undefined {
      const code = normaliseCode(typed);
      if (!/^\d{6}$/.test(code)) return undefined;
      const delta = totpFor(secret, issuer, 'x').validate({ token: code, timestamp: now.getTime(), window: 1 });
      return delta === null ? undefined : TOTP.counter({ period, timestamp: now.getTime() }) + delta;
    },
    /** The code an authenticator app shows at `at`: for tests and the demo, never sent anywhere. */
    codeAt: (secret: string, at: Date) => totpFor(secret, issuer, 'x').generate({ timestamp: at.getTime() }),
  };
}

export type Totp = ReturnType<typeof createTotp>;

/** Ten single-use recovery codes of 80 random bits each, written in four groups of four (base32, no look-alikes). */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: 10 }, () => {
    const b32 = new Secret({ buffer: new Uint8Array(randomBytes(10)).buffer }).base32;
    return b32.match(/.{4}/g)!.join('-');
  });
}

/** Recovery codes are compared without case, spaces or dashes, and stored only as SHA-256. */
export const recoveryCodeHash = (typed: string) => createHash('sha256').update(typed.replace(/[\s-]/g, '').toUpperCase()).digest('hex');
