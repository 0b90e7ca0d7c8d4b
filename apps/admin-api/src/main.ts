import 'reflect-metadata';
import { loadConfigOrExit } from '@app/config';
import { createAdminApp } from './admin.app';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createAdminApp(config);
  await app.listen({ port: config.adminPort, host: '0.0.0.0' });
}

void main();
