// TypeORM's postgres driver returns [rows, affected] for UPDATE and DELETE through DataSource.query().

/** The rows of an UPDATE or DELETE … RETURNING. */
export function returnedRows<T>(result: unknown): T[] {
  return Array.isArray(result) && Array.isArray(result[0]) ? (result[0] as T[]) : [];
}

/** How many rows an UPDATE or DELETE touched. */
export function rowCount(result: unknown): number {
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
}
