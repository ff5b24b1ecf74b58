export { AppConfig, ConfigError, loadConfig, parseEnv, toAppConfig } from './app-config';
export { envSchema, type Env } from './env.schema';
export { DarkroomConfigModule } from './config.module';
