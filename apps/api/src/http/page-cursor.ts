import { BadRequestException } from '@nestjs/common';
import { decodeCursor, InvalidCursorError, Keyset } from '@darkroom/database';

/** A `?cursor=` query value as a keyset; 400 naming the problem when it was tampered with. */
export function parseCursorParam(cursor: string | undefined): Keyset | null {
  if (!cursor) return null;
  try {
    return decodeCursor(cursor);
  } catch (error) {
    if (error instanceof InvalidCursorError) throw new BadRequestException(error.message);
    throw error;
  }
}
