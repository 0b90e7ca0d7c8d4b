import 'reflect-metadata';
import { loadConfigOrExit } from '@app/config';
import { createIngestionApp } from './ingestion.app';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createIngestionApp(config);
  await app.listen({ port: config.ingestionPort, host: '0.0.0.0' });
}

void main();
