import { Logger } from '@nestjs/common';
import { TypeOrmLogger } from './typeorm-logger';

/** pg's errors carry the SQLSTATE as `code`. */
function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('TypeOrmLogger', () => {
  const logger = new TypeOrmLogger();
  let error: jest.SpyInstance;
  let log: jest.SpyInstance;

  beforeEach(() => {
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('logs a failed query as an error, on one line and cut short', () => {
    logger.logQueryError(pgError('42P01', 'relation "nope" does not exist'), `SELECT *\n  FROM nope WHERE x = '${'y'.repeat(400)}'`);

    expect(error).toHaveBeenCalledTimes(1);
    const [line] = error.mock.calls[0] as [string];
    expect(line).toMatch(/^query failed: relation "nope" does not exist \[SELECT \* FROM nope WHERE/);
    expect(line.length).toBeLessThan(400);
    expect(log).not.toHaveBeenCalled();
  });

  it.each([
    ['a unique violation', '23505'],
    ['a foreign key violation', '23503'],
  ])('notes %s without calling it an error: the caller decides', (_label, code) => {
    logger.logQueryError(pgError(code, 'duplicate key value violates unique constraint "users_handle_key"'), 'INSERT INTO users …');

    expect(error).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledWith(expect.stringContaining('users_handle_key'));
  });

  it('logs a failure given as text, without a code, as an error', () => {
    logger.logQueryError('connection terminated', 'SELECT 1');

    expect(error).toHaveBeenCalledWith('query failed: connection terminated [SELECT 1]');
  });
});
