import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { LookbackConfig } from '@app/config';
import { createHttpApp } from '@app/http';
import { AdminModule } from './admin.module';

export async function createAdminApp(config: LookbackConfig): Promise<NestFastifyApplication> {
  const app = await createHttpApp(AdminModule.forRoot(config), config);
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
  return app;
}
