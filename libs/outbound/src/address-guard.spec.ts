import fc from 'fast-check';
import { blockedHost, isPublicAddress } from './address-guard';

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1', '127.255.255.254', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1',
    '0.0.0.0', '224.0.0.1', '255.255.255.255', '192.0.2.1', '198.18.0.1', '240.0.0.1',
    '::1', '::', '::7f00:1', '::a00:1', '::808:808', '::127.0.0.1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1',
    'fc00::1', 'fd12:3456::1', 'fe80::1', 'fe80::1%eth0', 'ff02::1', '64:ff9b::7f00:1', '2002:7f00:1::1', '2001:db8::1',
    '[::1]', 'not an address', '',
  ])('%s is not public', (a) => {
    expect(isPublicAddress(a)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8', '[2606:4700::1]'])(
    '%s is public',
    (a) => {
      expect(isPublicAddress(a)).toBe(true);
    },
  );

  it('property: nothing in ::/96 (IPv4-compatible) is public, whatever IPv4 address it carries', () => {
    fc.assert(
      fc.property(fc.ipV4(), (v4) => {
        expect(isPublicAddress(`::${v4}`)).toBe(false);
      }),
    );
  });

  it('property: an IPv4-mapped address is judged as the IPv4 address it carries', () => {
    fc.assert(
      fc.property(fc.ipV4(), (v4) => {
        expect(isPublicAddress(`::ffff:${v4}`)).toBe(isPublicAddress(v4));
      }),
    );
  });
});

describe('blockedHost', () => {
  it.each([
    ['http://127.0.0.1/pb', '127.0.0.1'],
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://012.0.0.1/', '10.0.0.1'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['http://100.64.1.1/', '100.64.1.1'],
    ['http://0.0.0.0:8080/', '0.0.0.0'],
    ['http://0/', '0.0.0.0'],
    ['http://[::1]/', '::1'],
    ['http://[::7f00:1]/', '::7f00:1'],
    ['http://[::127.0.0.1]/', '::7f00:1'],
    ['http://[::ffff:169.254.169.254]/', '::ffff:a9fe:a9fe'],
    ['http://[fd00::1]/', 'fd00::1'],
    ['http://[fe80::1]/', 'fe80::1'],
    ['http://[ff02::1]/', 'ff02::1'],
    ['http://[::]/', '::'],
    ['http://localhost:3000/', 'localhost'],
    ['http://api.localhost./', 'api.localhost.'],
    ['https://user@10.0.0.1:8443/pb?c=1', '10.0.0.1'],
  ])('%s is refused (%s)', (url, host) => {
    expect(blockedHost(new URL(url))).toBe(host);
  });

  it.each(['https://adnet.example/pb', 'https://8.8.8.8/', 'http://[2606:4700::1111]/', 'https://10.0.0.1.nip.io/', 'https://localhost.example/'])(
    '%s is not refused before DNS',
    (url) => {
      expect(blockedHost(new URL(url))).toBeUndefined();
    },
  );
});
