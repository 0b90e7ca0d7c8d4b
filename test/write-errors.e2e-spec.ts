// Creating or changing a campaign, an app or a network: only a missing (or invisible) app or network is a 404. A
// value PostgreSQL refuses is a 400 or 409 naming the field, and a failure of ours is a 500, not a "not found"
// that hides it. The database refuses for real: one trigger per table makes it race, break a CHECK or a NOT NULL,
// reuse a key (the trigger's argument) or fail outright, chosen by the name written.
import { createFixture, type Fixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

describe('campaign, app and network create and update: errors keep their meaning', () => {
  let stack: Stack;
  let f: Fixture;

  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    f = await createFixture(stack);
    await stack.db.query(`
      CREATE FUNCTION test_write_faults() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        CASE NEW.name
          -- The network is removed between the service's check and the insert: a real foreign-key violation.
          WHEN 'race' THEN DELETE FROM networks WHERE id = NEW.network_id;
          WHEN 'check' THEN
            IF TG_TABLE_NAME = 'campaigns' THEN NEW.click_lookback_hours := -1; ELSE NEW.min_ctit_seconds := -1; END IF;
          WHEN 'null' THEN NEW.postback_events := NULL;
          WHEN 'duplicate' THEN NEW.id := TG_ARGV[0]::uuid;
          WHEN 'broken' THEN RAISE EXCEPTION 'something of ours broke' USING ERRCODE = 'XX000';
          ELSE NULL;
        END CASE;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_write_faults BEFORE INSERT OR UPDATE ON campaigns
        FOR EACH ROW EXECUTE FUNCTION test_write_faults('${f.campaignId}');
      CREATE TRIGGER test_write_faults BEFORE INSERT OR UPDATE ON apps
        FOR EACH ROW EXECUTE FUNCTION test_write_faults('${f.appId}');
      CREATE TRIGGER test_write_faults BEFORE INSERT OR UPDATE ON networks
        FOR EACH ROW EXECUTE FUNCTION test_write_faults('${f.networkId}');`);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const create = async (o: Record<string, unknown>) =>
    stack.admin('POST', '/v1/campaigns', { appId: f.appId, networkId: f.networkId, name: 'C', destinationUrl: 'https://example.com/', ...o });
  const createApp = (name: string) => stack.admin('POST', '/v1/apps', { name, platform: 'android', bundleId: 'com.example.write' });
  const createNetwork = (name: string) => stack.admin('POST', '/v1/networks', { name });
  const refused = (field: string) => ({ status: 400, body: { error: { code: 'invalid_field', field, message: expect.any(String) } } });

  it('an unknown app or network is a 404 naming it', async () => {
    const unknown = '0190a0b0-0000-7000-8000-000000000000';
    expect((await create({ appId: unknown })).body.error).toMatchObject({ code: 'app_not_found', field: 'appId' });
    expect((await create({ networkId: unknown })).body.error).toMatchObject({ code: 'network_not_found', field: 'networkId' });
  });

  it('a network that disappears before the insert is a 404 naming networkId (a real foreign-key violation)', async () => {
    const network = await stack.admin('POST', '/v1/networks', { name: 'Gone soon' });
    const res = await create({ networkId: network.body.id, name: 'race' });
    expect(res).toEqual({ status: 404, body: { error: { code: 'network_not_found', field: 'networkId', message: expect.any(String) } } });
  });

  it('a value the database refuses is a 400 naming the field, on create and on update', async () => {
    expect(await create({ name: 'check' })).toEqual(refused('clickLookbackHours'));
    expect(await stack.admin('PATCH', `/v1/campaigns/${f.campaignId}`, { name: 'check' })).toEqual(refused('clickLookbackHours'));
    expect(await createApp('check')).toEqual(refused('minCtitSeconds'));
    expect(await stack.admin('PATCH', `/v1/apps/${f.appId}`, { name: 'check' })).toEqual(refused('minCtitSeconds'));
    expect(await createNetwork('null')).toEqual(refused('postbackEvents'));
    expect(await stack.admin('PATCH', `/v1/networks/${f.networkId}`, { name: 'null' })).toEqual(refused('postbackEvents'));
  });

  it('a key that exists already is a 409', async () => {
    for (const res of [await create({ name: 'duplicate' }), await createApp('duplicate'), await createNetwork('duplicate')]) {
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'already_exists', message: expect.any(String) });
    }
  });

  it('a failure of ours is a 500 with the contract body, not a 404, and the API keeps answering', async () => {
    for (const res of [await create({ name: 'broken' }), await createApp('broken'), await createNetwork('broken')]) {
      expect(res).toEqual({ status: 500, body: { error: { code: 'internal_error', message: expect.any(String) } } });
    }
    expect((await create({ name: 'fine' })).status).toBe(201);
    expect((await createApp('fine')).status).toBe(201);
    expect((await createNetwork('fine')).status).toBe(201);
  });

  it('nothing refused was stored', async () => {
    const { rows } = await stack.db.query(
      `SELECT (SELECT count(*) FROM campaigns WHERE name IN ('race', 'check', 'duplicate', 'broken'))::int AS campaigns,
              (SELECT count(*) FROM apps WHERE name IN ('check', 'duplicate', 'broken'))::int AS apps,
              (SELECT count(*) FROM networks WHERE name IN ('null', 'duplicate', 'broken'))::int AS networks`,
    );
    expect(rows[0]).toEqual({ campaigns: 0, apps: 0, networks: 0 });
  });
});
