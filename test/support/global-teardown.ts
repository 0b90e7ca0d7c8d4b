import { dropDatabase, withServer } from './databases';

export default async function globalTeardown(): Promise<void> {
  const template = process.env.LOOKBACK_TEST_TEMPLATE;
  if (template) await withServer((c) => dropDatabase(c, template));
}
