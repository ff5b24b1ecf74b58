import { type INestApplication, ValidationPipe } from '@nestjs/common';
import { ErrorBodyFilter } from './error-body.filter';

/**
 * The global pipe and filter every api route goes through: main.ts applies them to the app, and the
 * controller specs to theirs, so what a spec sees is what a client sees. (The global guard,
 * BearerAuthGuard, comes with AuthModule.)
 */
export function configureHttp(app: INestApplication): void {
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new ErrorBodyFilter());
}
