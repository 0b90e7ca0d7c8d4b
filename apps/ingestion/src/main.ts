import 'reflect-metadata';
import { loadConfigOrExit } from '@app/config';
import { runProcess } from '@app/http';
import { createIngestionApp } from './ingestion.app';

const config = loadConfigOrExit();
runProcess('ingestion', config, async (logger) => {
  const app = await createIngestionApp(config, { logger });
  await app.listen({ port: config.ingestionPort, host: '0.0.0.0' });
  return app;
});
