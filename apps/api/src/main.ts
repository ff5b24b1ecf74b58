import 'reflect-metadata';
import type { Server } from 'node:http';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { DEV_URL_SIGNING_SECRET, loadConfig } from '@darkroom/config';
import { appOptions, HttpMetricsMiddleware } from '@darkroom/observability';
import { AppModule } from './app.module';
import { configureHttp } from './http/configure-http';
import { applyHttpTimeouts, bodyIdleTimeout } from './http/http-timeouts';
import { serveWebPage } from './web/web-page';

async function bootstrap(): Promise<void> {
  const config = loadConfig(); // a bad variable stops here, naming it
  const app = await NestFactory.create<NestExpressApplication>(AppModule, appOptions(config, 'api'));
  app.useLogger(app.get(Logger));
  // Behind nginx (compose), req.ip (the sign-up rate limit's key) comes from X-Forwarded-For only with this set.
  app.set('trust proxy', config.api.trustProxy);
  applyHttpTimeouts(app.getHttpServer() as Server, config.http);
  app.use(bodyIdleTimeout(config.http.bodyIdleTimeoutMs));
  // Before the metrics: the page's static files are not API requests (in compose nginx serves them).
  const servesPage = serveWebPage(app, config.api.webDistDir);
  // app.use, not a module's forRoutes: requests no route matches (404) are timed too
  const httpMetrics = app.get(HttpMetricsMiddleware);
  app.use(httpMetrics.use.bind(httpMetrics));
  configureHttp(app);
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
  if (config.api.urlSigningSecret === DEV_URL_SIGNING_SECRET) {
    app.get(Logger).warn('URL_SIGNING_SECRET is the public development default: anyone can forge image links. Set your own (16+ characters).');
  }
  if (!servesPage) app.get(Logger).warn(`no web page in ${config.api.webDistDir} (WEB_DIST_DIR): \`npm run build\` builds it; / answers 404 meanwhile`);
  app.get(Logger).log(`api listening on http://${config.api.host}:${config.api.port} (${servesPage ? 'web page at /, ' : ''}docs at /docs)`);
}

bootstrap().catch((error: unknown) => {
  console.error(`api: start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
