import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PUBLIC_ROUTE } from '@darkroom/observability';
import { AuthenticatedRequest, SIGNED_URL_ROUTE } from './auth.decorators';
import { TokenCallers } from './token-callers';
import { UrlSigner } from './url-signer';

/** Global guard: every route needs `Authorization: Bearer <token>` unless marked otherwise. */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly callers: TokenCallers,
    private readonly signer: UrlSigner,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();

    const header = req.headers.authorization;
    if (header) {
      req.user = await this.callers.fromAuthorization(header);
      return true;
    }
    if (this.reflector.getAllAndOverride<boolean>(SIGNED_URL_ROUTE, targets) && req.query.sig !== undefined) {
      if (!this.signer.verify(req.path, req.query.exp, req.query.sig)) {
        throw new UnauthorizedException('the signed URL is invalid or has expired; fetch the upload again for a fresh one');
      }
      req.signedUrl = true;
      return true;
    }
    throw new UnauthorizedException('send Authorization: Bearer <token> (POST /v1/users returns one)');
  }
}
