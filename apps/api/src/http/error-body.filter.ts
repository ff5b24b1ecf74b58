import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';

/**
 * Every error leaves as { statusCode, error, message }. Nest already shapes
 * HttpExceptions that way; this adds the same shape for the unexpected, and
 * keeps their details in the log rather than in the response.
 */
@Catch()
export class ErrorBodyFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    if (res.socket === null || res.socket.destroyed) {
      // The client hung up (an upload cancelled mid-body surfaces as multer's "Request aborted"): nobody is
      // left to answer, and nothing of the server went wrong. Multer has already removed the partial file.
      this.logger.log({ reason: exception instanceof Error ? exception.message : String(exception) }, 'the client closed the connection before its request was answered');
      return;
    }
    if (exception instanceof HttpException) {
      sendHttpError(res, exception.getStatus(), exception.getResponse());
      return;
    }
    this.logger.error({ err: exception }, 'unhandled error');
    res.status(500).json({ statusCode: 500, error: 'Internal Server Error', message: 'something went wrong; the request id in x-request-id finds it in the logs' });
  }
}

/** `body` is what an HttpException carries: a message string, or an object with one. */
export function sendHttpError(res: Response, status: number, body: string | object): void {
  const shaped = typeof body === 'object' && body !== null ? { statusCode: status, error: titleOf(status), ...body } : { statusCode: status, error: titleOf(status), message: body };
  res.status(status).json(shaped);
}

function titleOf(status: number): string {
  return (HttpStatus[status] ?? 'Error')
    .split('_')
    .map((word) => word.charAt(0) + word.slice(1).toLowerCase())
    .join(' ');
}
