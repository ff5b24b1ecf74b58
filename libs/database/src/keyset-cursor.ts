/** Opaque page cursor for lists ordered newest first by (created_at, id). */
export interface Keyset {
  createdAt: Date;
  id: string;
}

export class InvalidCursorError extends Error {
  constructor() {
    super('cursor is malformed; pass back the nextCursor of a previous page unchanged');
  }
}

export function encodeCursor(keyset: Keyset): string {
  return Buffer.from(`${keyset.createdAt.toISOString()}|${keyset.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): Keyset {
  const [iso, id, extra] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso ?? '');
  if (extra !== undefined || !id || !/^[0-9a-f-]{36}$/i.test(id) || Number.isNaN(createdAt.getTime())) {
    throw new InvalidCursorError();
  }
  return { createdAt, id };
}

/** Fetch limit + 1 rows; the extra row only tells whether there is a next page. */
export function toPage<T extends Keyset>(rows: T[], limit: number): { items: T[]; nextCursor: string | null };
/** The same for rows whose keyset has other names (a follow list pages on the follow's time and the other user's id). */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => Keyset): { items: T[]; nextCursor: string | null };
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => Keyset = (row) => row as Keyset): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
