import { isTransient } from './transient-error';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
/** A pg DatabaseError as TypeORM hands it on: a QueryFailedError with the original as driverError. */
const queryFailed = (code: string) => Object.assign(new Error('query failed'), { driverError: withCode('from postgres', code) });

describe('isTransient', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET')],
    ['a full volume', withCode('ENOSPC: no space left on device, write', 'ENOSPC')],
    ['too many open files', withCode('EMFILE: too many open files', 'EMFILE')],
    ['postgres shutting down (57P01)', queryFailed('57P01')],
    ['postgres starting up (57P03)', queryFailed('57P03')],
    ['a lost connection (08006)', queryFailed('08006')],
    ['a full disk on the database server (53100)', queryFailed('53100')],
    ['too many connections (53300)', queryFailed('53300')],
    ['a deadlock (40P01)', queryFailed('40P01')],
    ['a statement timeout (57014)', queryFailed('57014')],
    ['pg losing its connection mid-query', new Error('Connection terminated unexpectedly')],
    ['pg failing to connect in time', new Error('timeout exceeded when trying to connect')],
    ['a transient error given as the cause', new Error('storing the thumbnails', { cause: withCode('write EPIPE', 'EPIPE') })],
  ])('%s: defer', (_case, error) => {
    expect(isTransient(error)).toBe(true);
  });

  it.each([
    ['a unique violation (23505)', queryFailed('23505')],
    ['a foreign key violation (23503)', queryFailed('23503')],
    ['a value too long (22001)', queryFailed('22001')],
    ['an undefined column: a bug (42703)', queryFailed('42703')],
    ['a missing file', withCode("ENOENT: no such file or directory, open '/data/x'", 'ENOENT')],
    ['a bug in our code', new TypeError("Cannot read properties of undefined (reading 'width')")],
    ['something that is not an Error', 'a string'],
  ])('%s: counts an attempt', (_case, error) => {
    expect(isTransient(error)).toBe(false);
  });
});
