// Creating or changing a campaign: only a missing (or invisible) app or network is a 404. A value PostgreSQL
// refuses is a 400 or 409 naming the field, and a failure of ours is a 500, not a "not found" that hides it.
// The database refuses for real: triggers make it race, break a CHECK, reuse a key or fail outright.
import { createFixture, type Fixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

describe('campaign create and update: errors keep their meaning', () => {
  let stack: Stack;
  let f: Fixture;

  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    f = await createFixture(stack);
    await stack.db.query(`
      CREATE FUNCTION test_campaign_faults() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        CASE NEW.name
          -- The network is removed between the service's check and the insert: a real foreign-key violation.
          WHEN 'race' THEN DELETE FROM networks WHERE id = NEW.network_id;
          WHEN 'check' THEN NEW.click_lookback_hours := -1;
          WHEN 'duplicate' THEN NEW.id := '${f.campaignId}';
          WHEN 'broken' THEN RAISE EXCEPTION 'something of ours broke' USING ERRCODE = 'XX000';
          ELSE NULL;
        END CASE;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_campaign_faults BEFORE INSERT OR UPDATE ON campaigns
        FOR EACH ROW EXECUTE FUNCTION test_campaign_faults();`);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const create = async (o: Record<string, unknown>) =>
    stack.admin('POST', '/v1/campaigns', { appId: f.appId, networkId: f.networkId, name: 'C', destinationUrl: 'https://example.com/', ...o });

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
    expect(await create({ name: 'check' })).toEqual({
      status: 400,
      body: { error: { code: 'invalid_field', field: 'clickLookbackHours', message: expect.any(String) } },
    });
    const res = await stack.admin('PATCH', `/v1/campaigns/${f.campaignId}`, { name: 'check' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_field', field: 'clickLookbackHours' });
  });

  it('a key that exists already is a 409', async () => {
    const res = await create({ name: 'duplicate' });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'already_exists' });
  });

  it('a failure of ours is a 500 with the contract body, not a 404, and the API keeps answering', async () => {
    expect(await create({ name: 'broken' })).toEqual({
      status: 500,
      body: { error: { code: 'internal_error', message: expect.any(String) } },
    });
    expect((await create({ name: 'fine' })).status).toBe(201);
  });
});
