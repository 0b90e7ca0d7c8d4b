// `npm run migrate`: creates the database if needed and applies pending migrations (safe to run concurrently).
import { loadConfigOrExit } from '@app/config';
import { migrate } from '@app/database';

const config = loadConfigOrExit();
migrate(config.databaseUrl, (line) => process.stdout.write(`migrate: ${line}\n`))
  .then((applied) => {
    process.stdout.write(`migrate: ${applied.length === 0 ? 'schema is up to date' : `${applied.length} applied`}\n`);
  })
  .catch((err: Error) => {
    process.stderr.write(`migrate: failed: ${err.message}\n`);
    process.exit(1);
  });
