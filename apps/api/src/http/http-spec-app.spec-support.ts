import type { AddressInfo } from 'node:net';
import { DynamicModule, Global, type INestApplication, Module, type ModuleMetadata, type Provider } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { ThrottlerModule } from '@nestjs/throttler';
import { Cache, MemoryCache } from '@darkroom/cache';
import { AppConfig, parseEnv, toAppConfig } from '@darkroom/config';
import { UsersRepository, type UserEntity } from '@darkroom/database';
import { hashApiToken } from '../auth/api-token';
import { AuthModule } from '../auth/auth.module';
import { throttlerOptions } from '../rate-limit/rate-limit';
import { RedisThrottlerStorage } from '../rate-limit/redis-throttler.storage';
import { configureHttp } from './configure-http';

/**
 * What the controller specs share: the real controller behind the app's own global pipe, filter
 * (configureHttp, as main.ts) and bearer guard (the real AuthModule), with the services stubbed,
 * listening on 127.0.0.1 so that every case is a real HTTP request.
 */

export const TOKEN = 'drk_controller-spec-token';
export const CALLER: UserEntity = {
  id: '2f1e0d9c-8b7a-4c6d-9e5f-4a3b2c1d0e9f',
  handle: 'ada_l',
  displayName: 'Ada',
  apiTokenHash: hashApiToken(TOKEN),
  email: null,
  createdAt: new Date('2025-03-14T15:09:26.535Z'),
};
export const AUTH = { authorization: `Bearer ${TOKEN}` };
export const JSON_AUTH = { ...AUTH, 'content-type': 'application/json' };

/** Redis' INCR + PEXPIRE as the rate limiter's script uses them, in memory. */
function memoryCounters() {
  const windows = new Map<string, { hits: number; endsAt: number }>();
  return {
    async eval(_script: string, _keys: number, ...args: Array<string | number>): Promise<unknown> {
      const [key, ttl] = [String(args[0]), Number(args[1])];
      let window = windows.get(key);
      if (!window || window.endsAt <= Date.now()) windows.set(key, (window = { hits: 0, endsAt: Date.now() + ttl }));
      window.hits += 1;
      return [window.hits, window.endsAt - Date.now()];
    },
  };
}

@Global()
@Module({})
class SpecDependencies {
  static with(config: AppConfig): DynamicModule {
    const users = {
      findByTokenHash: async (hash: string) => (hash === CALLER.apiTokenHash ? CALLER : null),
      findById: async (id: string) => (id === CALLER.id ? CALLER : null),
    };
    const providers: Provider[] = [
      { provide: AppConfig, useValue: config },
      { provide: Cache, useValue: new MemoryCache() },
      { provide: UsersRepository, useValue: users },
    ];
    return { module: SpecDependencies, providers, exports: [AppConfig, Cache, UsersRepository] };
  }
}

export interface SpecApp {
  app: INestApplication;
  config: AppConfig;
  /** fetch() against the app: `path` like '/v1/me'. */
  request(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export async function startSpecApp(
  metadata: Required<Pick<ModuleMetadata, 'controllers' | 'providers'>> & Pick<ModuleMetadata, 'imports'>,
  env: Record<string, string> = {},
): Promise<SpecApp> {
  const config = toAppConfig(parseEnv({ URL_SIGNING_SECRET: 'a-controller-spec-secret', ...env }));
  const moduleRef = await Test.createTestingModule({
    imports: [
      SpecDependencies.with(config),
      AuthModule,
      ThrottlerModule.forRootAsync({
        inject: [AppConfig, Reflector],
        useFactory: (appConfig: AppConfig, reflector: Reflector) => throttlerOptions(appConfig, reflector, new RedisThrottlerStorage(memoryCounters(), 'spec')),
      }),
      ...(metadata.imports ?? []),
    ],
    controllers: metadata.controllers,
    providers: metadata.providers,
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  configureHttp(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    config,
    request: (path, init) => fetch(`http://127.0.0.1:${port}${path}`, init),
    close: () => app.close(),
  };
}

/** A JSON body, as a client reads it. */
export async function bodyOf(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}
