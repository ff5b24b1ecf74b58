import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { BearerAuthGuard } from './bearer-auth.guard';
import { UrlSigner } from './url-signer';

@Global()
@Module({
  providers: [UrlSigner, { provide: APP_GUARD, useClass: BearerAuthGuard }],
  exports: [UrlSigner],
})
export class AuthModule {}
