import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AppConfig, loadConfig } from './app-config';

/**
 * Makes the validated AppConfig injectable. @nestjs/config runs the same
 * validation at import time, so a bad variable stops boot before any module starts.
 */
@Global()
@Module({
  imports: [ConfigModule.forRoot({ ignoreEnvFile: true, validate: () => ({ darkroom: loadConfig() }) })],
  providers: [{ provide: AppConfig, useFactory: loadConfig }],
  exports: [AppConfig],
})
export class DarkroomConfigModule {}
