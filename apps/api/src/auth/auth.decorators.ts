import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { UserEntity } from '@darkroom/database';
export { Public } from '@darkroom/observability';

export const SIGNED_URL_ROUTE = 'darkroom:signed-url';

/** A valid `?exp=&sig=` for this exact path is as good as a bearer token (browser <img>, nginx). */
export const AllowSignedUrl = () => SetMetadata(SIGNED_URL_ROUTE, true);

/**
 * The caller as the guard knows them: a user row without its secrets (token hash, webhook secret),
 * since it may come from the token cache in Redis, which holds no secrets.
 */
export type AuthenticatedUser = Pick<UserEntity, 'id' | 'handle' | 'displayName' | 'email' | 'createdAt'>;

export interface AuthenticatedRequest extends Request {
  user?: AuthenticatedUser;
  /** Set when a signed URL, not a bearer token, let the request in. */
  signedUrl?: boolean;
}

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext) => {
  return ctx.switchToHttp().getRequest<AuthenticatedRequest>().user;
});
