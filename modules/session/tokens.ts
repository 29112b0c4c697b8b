import { createHmac } from 'node:crypto';
import { sha256Hex } from '../kernel/mod.ts';

/** SHA-256 hex of a refresh token: the only form in which a token is stored. */
export function hashToken(token: string): string {
  return sha256Hex(token);
}

/**
 * The token that replaces `token` in a rotation: HMAC(rotation key, token). Deriving instead of
 * drawing it lets a re-presented token inside the reuse grace window get the *same* successor
 * without storing any token in clear; without the per-session key (kept server-side) a stolen
 * old token does not reveal its successors.
 */
export function successorOf(token: string, rotationKey: string): string {
  return createHmac('sha256', rotationKey).update(token).digest('base64url');
}
