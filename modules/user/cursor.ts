import { z } from 'zod';
import { ValidationError } from '../kernel/mod.ts';

/** Where a page of the account search ended: the last account's creation time and id (the order's key). */
export interface SearchPosition {
  createdAt: Date;
  id: string;
}

const positionSchema = z.tuple([z.iso.datetime(), z.string().min(1).max(100)]);

/**
 * An opaque cursor for the position: the keys of the order rather than an offset, so a page
 * stays right while accounts are created or deleted before it.
 */
export function encodeCursor({ createdAt, id }: SearchPosition): string {
  return btoa(JSON.stringify([createdAt.toISOString(), id]))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** The position a cursor names; ValidationError for anything this module did not make. */
export function decodeCursor(cursor: string): SearchPosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    decoded = undefined;
  }
  const parsed = positionSchema.safeParse(decoded);
  if (!parsed.success)
    throw new ValidationError('The cursor is not one this API gave out.', [{ path: 'cursor', message: 'Invalid cursor.' }]);
  return { createdAt: new Date(parsed.data[0]), id: parsed.data[1] };
}
