/**
 * Whether an error says "try again later" rather than "this will fail again": a dependency that is down,
 * slow, restarting, busy or full. Classified by what the error is (its system or SQLSTATE code, or the
 * pg client's own connection errors), never by which step raised it, so a constraint violation or a bug in
 * markDone counts as an attempt and ends in the dead-letter queue instead of being deferred forever.
 */
export function isTransient(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = codeOf(e);
    if (code !== undefined && (SYSTEM_CODES.has(code) || isTransientSqlState(code))) return true;
    if (PG_CLIENT_MESSAGES.some((pattern) => pattern.test(e.message))) return true;
  }
  return false;
}

// Network trouble, and a volume that is full, busy or out of descriptors: none is the photo's fault.
const SYSTEM_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOSPC',
  'EDQUOT',
  'EMFILE',
  'ENFILE',
  'EBUSY',
  'EAGAIN',
  'EIO',
]);

/** SQLSTATE classes and codes that a later attempt can get past (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
function isTransientSqlState(code: string): boolean {
  if (!/^[0-9A-Z]{5}$/.test(code)) return false;
  return (
    code.startsWith('08') || // connection exception
    code.startsWith('53') || // insufficient resources: disk full, out of memory, too many connections
    code.startsWith('57P') || // admin or crash shutdown, cannot connect now
    code.startsWith('58') || // system error (I/O) in the server
    ['40001', '40P01', '55P03', '57014'].includes(code) // serialization failure, deadlock, lock not available, statement timeout
  );
}

// What node-postgres (and TypeORM above it) throw without a code when the connection goes or never comes.
const PG_CLIENT_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /Client has encountered a connection error and is not queryable/,
  /^Query read timeout/,
  /Connection is not established/,
];

/** `code` of a Node system error or a pg DatabaseError, also when TypeORM wraps it as driverError. */
function codeOf(error: Error): string | undefined {
  const own = (error as { code?: unknown }).code;
  if (typeof own === 'string') return own;
  const driver = (error as { driverError?: { code?: unknown } }).driverError?.code;
  return typeof driver === 'string' ? driver : undefined;
}
