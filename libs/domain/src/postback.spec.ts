import { postbackUrl } from './postback';

const install = { id: 'inst-1', appId: 'app-1', installedAt: new Date('2026-11-30T10:00:00Z'), gaid: 'g 1', idfa: null };
const attribution = { campaignId: 'cmp-1', matchType: 'device_id', touchId: 'clk-1', touchKind: 'click', networkClickId: 'net/1' };
const ALL = 'https://n.example/pb?c={click_id}&l={lookback_click_id}&i={install_id}&cmp={campaign_id}&a={app_id}&e={event_name}&r={revenue}&cur={currency}&u={revenue_usd}&g={gaid}&f={idfa}&m={match_type}&t={install_time}';

describe('postbackUrl', () => {
  it('fills every macro of an install postback, URL-encoded, with event_name "install"', () => {
    const q = new URL(postbackUrl(ALL, install, attribution)).searchParams;
    expect(Object.fromEntries(q)).toEqual({
      c: 'net/1', l: 'clk-1', i: 'inst-1', cmp: 'cmp-1', a: 'app-1', e: 'install', r: '', cur: '', u: '', g: 'g 1', f: '', m: 'device_id',
      t: '2026-11-30T10:00:00.000Z',
    });
  });

  it('an event postback carries the event and its revenue, USD without trailing zeros', () => {
    const url = postbackUrl(ALL, install, attribution, { name: 'purchase', revenue: '4.99', currency: 'EUR', revenueUsd: '5.389200' });
    const q = new URL(url).searchParams;
    expect([q.get('e'), q.get('r'), q.get('cur'), q.get('u')]).toEqual(['purchase', '4.99', 'EUR', '5.3892']);
  });

  it('an impression win has no lookback click id', () => {
    const q = new URL(postbackUrl(ALL, install, { ...attribution, touchKind: 'impression', networkClickId: null })).searchParams;
    expect([q.get('l'), q.get('c')]).toEqual(['', '']);
  });

  it('a template with a macro in its host is owed unfilled, so no click id can choose the host', () => {
    const url = postbackUrl('https://{click_id}/pb?i={install_id}', install, { ...attribution, networkClickId: 'evil.example' });
    expect(url).toBe('https://{click_id}/pb?i={install_id}');
    expect(url).not.toContain('evil');
  });
});
