import { Secret, TOTP } from 'otpauth';

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30-second steps. */
const algorithm = 'SHA1';
const digits = 6;
export const totpPeriodSeconds = 30;
/** Steps of clock skew accepted either side of now. */
const window = 1;

/** A new random secret (160 bits, RFC 4226's recommended size), base32 as apps take it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://` URI an app scans (as a QR code) to add the account. */
export function otpauthUrl({ secret, issuer, account }: { secret: string; issuer: string; account: string }): string {
  return new TOTP({ issuer, label: account, algorithm, digits, period: totpPeriodSeconds, secret: Secret.fromBase32(secret) }).toString();
}

/** The time step `code` belongs to at `now` (within the window), or null when it matches none. Constant-time compare. */
export function matchingStep(secret: string, code: string, now: Date): number | null {
  const token = code.replace(/[\s-]/g, '');
  if (!/^\d{6}$/.test(token)) return null;
  const timestamp = now.getTime();
  const delta = TOTP.validate({
    token,
    secret: Secret.fromBase32(secret),
    algorithm,
    digits,
    period: totpPeriodSeconds,
    timestamp,
    window,
  });
  return delta === null ? null : TOTP.counter({ period: totpPeriodSeconds, timestamp }) + delta;
}

/** Until when a used step must be remembered: past it, no code of that step (or an earlier one) matches anyway. */
export function stepRemembranceEnd(step: number): Date {
  return new Date((step + window + 1) * totpPeriodSeconds * 1000);
}

/** The code of the step at `now`, for tests and tools. */
export function totpCodeAt(secret: string, now: Date): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), algorithm, digits, period: totpPeriodSeconds, timestamp: now.getTime() });
}
