import { sha256Hex } from '../kernel/mod.ts';

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** 256 random bits, URL-safe: an opaque secret that is only ever stored as a hash. */
export function randomSecret(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** SHA-256 hex of a refresh token: the only form in which a token is stored. */
export function hashToken(token: string): Promise<string> {
  return sha256Hex(token);
}

/**
 * The token that replaces `token` in a rotation: HMAC(rotation key, token). Deriving instead of
 * drawing it lets a re-presented token inside the reuse grace window get the *same* successor
 * without storing any token in clear; without the per-session key (kept server-side) a stolen
 * old token does not reveal its successors.
 */
export async function successorOf(token: string, rotationKey: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(rotationKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return base64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(token))));
}
