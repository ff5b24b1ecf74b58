import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { Response } from 'express';
import { AppConfig } from '@darkroom/config';
import { sendHttpError } from '../http/error-body.filter';

/** Multer's limits for an upload: one file, a caption, and nothing big besides; anything else is a client error. */
export function uploadLimits(config: AppConfig) {
  return { fileSize: config.api.maxUploadBytes, files: 1, fields: 4, fieldSize: 8 * 1024, parts: 6 };
}

/**
 * Multer's limit errors ("File too large", "Too many files") say what broke but
 * not what to do; Nest keeps multer's error as the exception's cause, so its
 * code tells us which limit was hit.
 */
@Catch(HttpException)
export class UploadLimitsFilter implements ExceptionFilter {
  constructor(private readonly config: AppConfig) {}

  catch(exception: HttpException, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const cause = exception.cause as { code?: string; field?: string } | undefined;
    sendHttpError(res, exception.getStatus(), this.explain(cause) ?? exception.getResponse());
  }

  private explain(cause: { code?: string; field?: string } | undefined): string | undefined {
    switch (cause?.code) {
      case 'LIMIT_FILE_SIZE':
        return `the file is larger than ${this.config.api.maxUploadBytes} bytes (MAX_UPLOAD_BYTES)`;
      case 'LIMIT_FILE_COUNT':
        return 'send exactly one file per upload, in the field "file"';
      case 'LIMIT_UNEXPECTED_FILE':
        return `unexpected file field "${cause.field ?? ''}"; send the photo in the field "file"`;
      case 'LIMIT_PART_COUNT':
      case 'LIMIT_FIELD_COUNT':
        return 'too many form fields; send "file" and optionally "caption"';
      case 'LIMIT_FIELD_VALUE':
        return `form field "${cause.field ?? ''}" is too long`;
      default:
        return undefined;
    }
  }
}
