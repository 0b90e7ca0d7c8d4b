import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { LookbackConfig } from '@app/config';
import { LookbackError, invalid } from '@app/domain';
import { createHttpApp, type AppOptions } from '@app/http';
import { AdminModule } from './admin.module';
import { mountQueueDashboard } from './queues-dashboard';
import { registerConsole } from './console/console.route';

export async function createAdminApp(config: LookbackConfig, options: AppOptions = {}): Promise<NestFastifyApplication> {
  const app = await createHttpApp(AdminModule.forRoot(config), config, options);
  // Fastify also parses text/plain and forms; the admin API speaks JSON only, so any other body is a 415
  // rather than a 400 about fields the client did send.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', async (req) => {
      const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (hasBody && type !== 'application/json') {
        throw new LookbackError('unsupported_media_type', 'unsupported_media_type', 'Send the body as application/json.');
      }
    })
    // A JSON array, string or null would otherwise be reported as a missing first field.
    .addHook('preValidation', async (req) => {
      const body: unknown = req.body;
      if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body))) {
        throw invalid('invalid_body', 'The body must be a JSON object.');
      }
    });
  await registerConsole(app.getHttpAdapter().getInstance());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Lookback admin API')
      .setDescription('Apps, networks, campaigns, installs and deliveries for growth teams.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });
  await mountQueueDashboard(app, config);
  return app;
}
