import { HttpException, HttpStatus, Logger } from '@nestjs/common';

/** What the client is told: the volume, not the photo, is the problem, and it will pass. */
export const VOLUME_FULL_MESSAGE = 'the photo volume is full; try again later';

// Out of space, or over the volume's quota for this user or group: to the client, both are "full".
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);

/** Whether `error`, or an error it wraps (`cause`), says the photo volume has no room left. */
export function isVolumeFull(error: unknown): boolean {
  return fullCode(error) !== undefined;
}

/** ENOSPC or EDQUOT when that is what `error` (or its cause) is, else undefined. */
function fullCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && FULL_CODES.has(code)) return code;
  }
  return undefined;
}

/** 507 Insufficient Storage, with the volume's own error kept as the cause (for the log, never the client). */
export class VolumeFullException extends HttpException {
  constructor(cause: unknown) {
    super(VOLUME_FULL_MESSAGE, HttpStatus.INSUFFICIENT_STORAGE, { cause });
  }
}

/**
 * A full volume becomes a logged 507; anything else is returned as it is, to be answered as before. `step`
 * says what the api was doing ("receiving", "storing"), for whoever reads the log and frees the space.
 */
export function asVolumeFull(error: unknown, step: string, logger: Logger): unknown {
  const code = fullCode(error);
  if (code === undefined) return error;
  logger.error(
    { err: error, code },
    `${step} an upload failed: the photo volume is full (${code}); answering 507, and nothing of the upload is kept. ` +
      'Uploads are refused until space is freed on STORAGE_DIR; photos already accepted wait in the workers (deferred) until then',
  );
  return new VolumeFullException(error);
}
