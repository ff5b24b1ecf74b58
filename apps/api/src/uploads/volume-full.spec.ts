import { ArgumentsHost, Logger } from '@nestjs/common';
import type { AppConfig } from '@darkroom/config';
import { UploadLimitsFilter } from './upload-limits.filter';
import { asVolumeFull, isVolumeFull, VolumeFullException } from './volume-full';

const systemError = (code: string) => Object.assign(new Error(`${code}: something, write`), { code, syscall: 'write' });

describe('a full photo volume', () => {
  const logger = { error: jest.fn() } as unknown as Logger & { error: jest.Mock };

  beforeEach(() => logger.error.mockReset());

  it('is ENOSPC or EDQUOT, on the error or on a cause it wraps', () => {
    expect(isVolumeFull(systemError('ENOSPC'))).toBe(true);
    expect(isVolumeFull(systemError('EDQUOT'))).toBe(true);
    expect(isVolumeFull(new Error('wrapped', { cause: systemError('ENOSPC') }))).toBe(true);
    for (const other of [systemError('EIO'), systemError('EACCES'), new Error('ENOSPC in a message is not a code'), 'ENOSPC', undefined]) {
      expect(isVolumeFull(other)).toBe(false);
    }
  });

  it('becomes a 507 that keeps the volume error as its cause and is logged with an explanation', () => {
    const error = systemError('ENOSPC');

    const mapped = asVolumeFull(error, 'receiving', logger);

    expect(mapped).toBeInstanceOf(VolumeFullException);
    expect((mapped as VolumeFullException).getStatus()).toBe(507);
    expect((mapped as VolumeFullException).cause).toBe(error);
    expect(logger.error).toHaveBeenCalledWith({ err: error, code: 'ENOSPC' }, expect.stringContaining('the photo volume is full (ENOSPC); answering 507'));
  });

  it('leaves every other error as it is, unlogged', () => {
    const error = systemError('EIO');
    expect(asVolumeFull(error, 'storing', logger)).toBe(error);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('leaves the upload route as { statusCode: 507, error: "Insufficient Storage", message }, the shape of every other error', () => {
    const json = jest.fn();
    const status = jest.fn(() => ({ json }));
    const host = { switchToHttp: () => ({ getResponse: () => ({ status }) }) } as unknown as ArgumentsHost;

    new UploadLimitsFilter({ api: { maxUploadBytes: 1 } } as AppConfig).catch(new VolumeFullException(systemError('ENOSPC')), host);

    expect(status).toHaveBeenCalledWith(507);
    expect(json).toHaveBeenCalledWith({ statusCode: 507, error: 'Insufficient Storage', message: 'the photo volume is full; try again later' });
  });
});
