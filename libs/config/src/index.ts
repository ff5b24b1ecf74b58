export { AppConfig, ConfigError, loadConfig, parseEnv, toAppConfig, type RabbitQueueNames, type RateLimit } from './app-config';
export { DEV_URL_SIGNING_SECRET, envSchema, type Env } from './env.schema';
export { DarkroomConfigModule } from './config.module';
