import 'reflect-metadata';
import { loadConfigOrExit } from '@app/config';
import { runProcess } from '@app/http';
import { createAdminApp } from './admin.app';

const config = loadConfigOrExit();
runProcess('admin', config, async (logger) => {
  const app = await createAdminApp(config, { logger });
  await app.listen({ port: config.adminPort, host: '0.0.0.0' });
  return app;
});
