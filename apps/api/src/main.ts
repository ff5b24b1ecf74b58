import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { DEV_URL_SIGNING_SECRET, loadConfig } from '@darkroom/config';
import { appOptions, HttpMetricsMiddleware } from '@darkroom/observability';
import { AppModule } from './app.module';
import { ErrorBodyFilter } from './http/error-body.filter';

const UPLOAD_REQUEST_TIMEOUT_MS = 30 * 60_000;

async function bootstrap(): Promise<void> {
  const config = loadConfig(); // a bad variable stops here, naming it
  const app = await NestFactory.create(AppModule, appOptions(config, 'api'));
  app.useLogger(app.get(Logger));
  // app.use, not a module's forRoutes: requests no route matches (404) are timed too
  const httpMetrics = app.get(HttpMetricsMiddleware);
  app.use(httpMetrics.use.bind(httpMetrics));
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.useGlobalFilters(new ErrorBodyFilter());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('darkroom')
      .setDescription('Upload photos; workers develop them into thumbnails; followers are notified.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });

  await app.listen(config.api.port, config.api.host);
  // Node cuts any request still arriving after 5 minutes (server.requestTimeout): a 50 MB upload on a
  // slow link takes longer. Allow 30; nginx (client_body_timeout) or the socket's own idle timeout
  // still drops a client that stops sending.
  (app.getHttpServer() as import('node:http').Server).requestTimeout = UPLOAD_REQUEST_TIMEOUT_MS;
  if (config.api.urlSigningSecret === DEV_URL_SIGNING_SECRET) {
    app.get(Logger).warn('URL_SIGNING_SECRET is the public development default: anyone can forge image links. Set your own (16+ characters).');
  }
  app.get(Logger).log(`api listening on http://${config.api.host}:${config.api.port} (docs at /docs)`);
}

bootstrap().catch((error: unknown) => {
  console.error(`api: start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
