import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { BearerAuthGuard } from './bearer-auth.guard';
import { TokenCallers } from './token-callers';
import { UrlSigner } from './url-signer';

@Global()
@Module({
  providers: [UrlSigner, TokenCallers, { provide: APP_GUARD, useClass: BearerAuthGuard }],
  exports: [UrlSigner, TokenCallers],
})
export class AuthModule {}
