import { randomUUID } from 'node:crypto';
import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** The id pino-http gave this request (the caller's x-request-id, or a fresh one); it travels with the upload. */
export const RequestId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const id = (ctx.switchToHttp().getRequest<{ id?: unknown }>()).id;
  return typeof id === 'string' ? id : randomUUID();
});
