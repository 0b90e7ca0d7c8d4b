import { normalizeUserAgent } from './user-agent';

/** The fingerprint's device half must agree between the browser that clicked and the app that installed. */

const PIXEL_8 = {
  chrome: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
  webView:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UQ1A.240105.004; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.144 Mobile Safari/537.36',
  facebookInApp:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UQ1A.240105.004; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/121.0.6167.101 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/449.0.0.35.109;]',
  dalvik: 'Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/UQ1A.240105.004)',
  dalvikOtherBuild: 'Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP1A.240305.019.A1)',
};

const IPHONE_17_4 = {
  safari:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
  appWebView: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  chrome:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/122.0.6261.89 Mobile/15E148 Safari/604.1',
  facebookInApp:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/450.0.0.38.108;FBBV/564431005;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.4.1;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]',
};

describe('normalizeUserAgent — Android', () => {
  it('gives the same key to one phone in Chrome, in an in-app WebView and in the app (Dalvik)', () => {
    const keys = Object.values(PIXEL_8).map(normalizeUserAgent);
    expect(new Set(keys)).toEqual(new Set(['android|14.0|pixel 8']));
  });

  it('drops the locale token of older User-Agents', () => {
    const browser =
      'Mozilla/5.0 (Linux; U; Android 4.4.2; en-us; SM-G900F Build/KOT49H) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Mobile Safari/534.30';
    const app = 'Dalvik/1.6.0 (Linux; U; Android 4.4.2; SM-G900F Build/KOT49H)';
    expect(normalizeUserAgent(browser)).toBe('android|4.4|sm-g900f');
    expect(normalizeUserAgent(app)).toBe('android|4.4|sm-g900f');
  });

  it('gives Samsung Internet and the app on the same Galaxy the same key', () => {
    const browser =
      'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36';
    const app = 'Dalvik/2.1.0 (Linux; U; Android 14; SM-S918B Build/UP1A.231005.007)';
    expect(normalizeUserAgent(browser)).toBe('android|14.0|sm-s918b');
    expect(normalizeUserAgent(app)).toBe(normalizeUserAgent(browser));
  });

  it('drops the MIUI build that Xiaomi apps report in place of Build/', () => {
    const browser = 'Mozilla/5.0 (Linux; Android 12; 2201117TY) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';
    const app = 'Dalvik/2.1.0 (Linux; U; Android 12; 2201117TY MIUI/V13.0.8.0.SGCMIXM)';
    expect(normalizeUserAgent(app)).toBe('android|12.0|2201117ty');
    expect(normalizeUserAgent(browser)).toBe(normalizeUserAgent(app));
  });

  it('keeps major.minor and drops the patch version', () => {
    const a = 'Mozilla/5.0 (Linux; Android 8.1.0; Nexus 5X Build/OPM7.181205.001) AppleWebKit/537.36';
    const b = 'Dalvik/2.1.0 (Linux; U; Android 8.1; Nexus 5X Build/OPM7.181205.001)';
    expect(normalizeUserAgent(a)).toBe('android|8.1|nexus 5x');
    expect(normalizeUserAgent(b)).toBe('android|8.1|nexus 5x');
  });

  it('ignores the case of the model', () => {
    expect(normalizeUserAgent('Dalvik/2.1.0 (Linux; U; Android 14; PIXEL 8 Build/X)')).toBe(normalizeUserAgent(PIXEL_8.dalvik));
  });

  it('tells apart another model, a longer model name and another OS version', () => {
    const pixel8 = normalizeUserAgent(PIXEL_8.chrome);
    const pixel7 = normalizeUserAgent('Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36');
    const pixel8Pro = normalizeUserAgent('Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Pro Build/UQ1A.240105.004)');
    const android13 = normalizeUserAgent('Mozilla/5.0 (Linux; Android 13; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36');
    expect(pixel7).toBe('android|14.0|pixel 7');
    expect(pixel8Pro).toBe('android|14.0|pixel 8 pro');
    expect(android13).toBe('android|13.0|pixel 8');
    expect(new Set([pixel8, pixel7, pixel8Pro, android13]).size).toBe(4);
  });

  it('a WebView that hides its model keeps only the OS version, not the "wv" marker', () => {
    expect(normalizeUserAgent('Mozilla/5.0 (Linux; Android 14; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0 Mobile Safari/537.36')).toBe(
      'android|14.0|',
    );
  });
});

describe('normalizeUserAgent — iOS', () => {
  it('gives the same key to one iPhone in Safari, Chrome, an in-app WebView and an in-app browser', () => {
    const keys = Object.values(IPHONE_17_4).map(normalizeUserAgent);
    expect(new Set(keys)).toEqual(new Set(['ios|17.4|iphone']));
  });

  it('tells apart another iOS version and an iPad', () => {
    const iphone = normalizeUserAgent(IPHONE_17_4.safari);
    const older = normalizeUserAgent(
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_3_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3.1 Mobile/15E148 Safari/604.1',
    );
    const ipad = normalizeUserAgent(
      'Mozilla/5.0 (iPad; CPU OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1',
    );
    expect(older).toBe('ios|17.3|iphone');
    expect(ipad).toBe('ios|17.4|ipad');
    expect(new Set([iphone, older, ipad]).size).toBe(3);
  });

  it("reads an app's native networking User-Agent by its Darwin version, dropping app name and versions", () => {
    const a = normalizeUserAgent('Gems/3.1 CFNetwork/1494.0.7 Darwin/23.4.0');
    const b = normalizeUserAgent('Other%20App/77 CFNetwork/1494.0.9 Darwin/23.4.0');
    expect(a).toBe('darwin|23.4|');
    expect(b).toBe(a);
    expect(normalizeUserAgent('Gems/3.1 CFNetwork/1490.0.4 Darwin/23.2.0')).not.toBe(a);
  });
});

describe('normalizeUserAgent — other agents and no agent', () => {
  it('answers nothing for a missing or blank User-Agent', () => {
    for (const ua of [undefined, null, '', '   ']) expect(normalizeUserAgent(ua)).toBeUndefined();
  });

  it('keys desktop browsers by their OS only', () => {
    const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
    const edge = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91';
    const mac = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';
    expect(normalizeUserAgent(chrome)).toBe('other|windows nt 10.0|');
    expect(normalizeUserAgent(edge)).toBe('other|windows nt 10.0|');
    expect(normalizeUserAgent(mac)).toBe('other|mac os x 10.15.7|');
  });

  it('masks the numbers of an unknown agent, so its versions do not split the key', () => {
    expect(normalizeUserAgent('okhttp/4.12.0')).toBe('other|okhttp/#.#.#|');
    expect(normalizeUserAgent('okhttp/4.9.3')).toBe(normalizeUserAgent('okhttp/4.12.0'));
    expect(normalizeUserAgent('curl/8.5.0')).not.toBe(normalizeUserAgent('okhttp/4.12.0'));
  });

  it('never lets a desktop or unknown agent share a key with a phone', () => {
    const phone = normalizeUserAgent(PIXEL_8.dalvik);
    for (const ua of ['node', 'okhttp/4.12.0', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36']) {
      expect(normalizeUserAgent(ua)).not.toBe(phone);
    }
  });
});
