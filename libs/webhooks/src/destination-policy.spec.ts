import type { LookupAddress } from 'node:dns';
import { addressRefusal, normaliseHost, WebhookDestinations, type ResolveAll } from './destination-policy';

// No test here opens a connection or sends a DNS query: addresses are literals, and names go through `names`.
const names: Record<string, LookupAddress[]> = {
  'hooks.example.com': [{ address: '93.184.215.14', family: 4 }],
  'dual.example.com': [{ address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 }, { address: '93.184.215.14', family: 4 }],
  'sneaky.example.com': [{ address: '93.184.215.14', family: 4 }, { address: '10.0.0.7', family: 4 }],
  'metadata.example.com': [{ address: '169.254.169.254', family: 4 }],
  'rebound.example.com': [{ address: '127.0.0.1', family: 4 }],
};
const resolve: ResolveAll = async (host) => {
  const found = names[host];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return found;
};
// this server's own public addresses (made up; nothing is sent to them)
const OWN = new Set(['5.9.10.11', '2a01:4f8::10', '127.0.0.1']);

describe('addressRefusal', () => {
  it.each([
    // IPv4
    ['127.0.0.1', /^127\.0\.0\.1 is in a loopback range$/], // one of OWN too: the range says more
    ['127.255.255.254', /loopback/],
    ['10.1.2.3', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private/],
    ['169.254.169.254', /link-local \(cloud metadata/],
    ['169.254.0.1', /link-local/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['0.0.0.0', /unspecified/],
    ['255.255.255.255', /broadcast/],
    ['224.0.0.1', /multicast/],
    ['192.0.2.1', /reserved/], // TEST-NET-1
    ['198.18.0.1', /reserved/],
    ['240.0.0.1', /reserved/],
    // IPv6
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['fe80::1', /link-local/],
    ['fc00::1', /private \(unique-local\)/],
    ['fd00:ec2::254', /private \(unique-local\)/], // AWS's IPv6 metadata address
    ['ff02::1', /multicast/],
    ['2001:db8::1', /reserved/], // documentation
    ['2002:7f00:1::', /reserved \(6to4\)/],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /reserved \(teredo\)/],
    // IPv4 inside IPv6: judged by the IPv4 address
    ['::ffff:127.0.0.1', /127\.0\.0\.1 is in a loopback/],
    ['::ffff:7f00:1', /127\.0\.0\.1 is in a loopback/],
    ['0:0:0:0:0:ffff:a9fe:a9fe', /169\.254\.169\.254 is in a link-local/],
    ['::ffff:10.0.0.1', /10\.0\.0\.1 is in a private/],
    ['64:ff9b::7f00:1', /127\.0\.0\.1 is in a loopback/], // NAT64
    // this server's own public addresses
    ['5.9.10.11', /^5\.9\.10\.11 is an address of this server$/],
    ['::ffff:5.9.10.11', /^5\.9\.10\.11 is an address of this server$/],
    ['2a01:4f8::10', /is an address of this server/],
  ])('refuses %s', (address, why) => {
    expect(addressRefusal(address, OWN)).toMatch(why);
  });

  it.each(['93.184.215.14', '8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])('allows the public address %s', (address) => {
    expect(addressRefusal(address, OWN)).toBeNull();
  });

  it('says so for something that is not an address', () => {
    expect(addressRefusal('localhost')).toBe('"localhost" is not an IP address');
  });
});

describe('WebhookDestinations.check', () => {
  const destinations = new WebhookDestinations([], resolve, OWN);

  it('accepts an https URL whose host resolves only to public addresses', async () => {
    expect(await destinations.check('https://hooks.example.com/darkroom?x=1')).toEqual({ url: new URL('https://hooks.example.com/darkroom?x=1') });
    expect(await destinations.check('https://dual.example.com/')).toHaveProperty('url');
  });

  it.each([
    ['http://127.0.0.1:8080/hook', /^url host 127\.0\.0\.1 is in a loopback range$/],
    ['http://localhost/hook', /^url host "localhost" is this machine \(loopback\)$/], // never looked up (RFC 6761)
    ['http://api.localhost/hook', /^url host "api\.localhost" is this machine \(loopback\)$/],
    ['http://[::1]/hook', /^url host ::1 is in a loopback range$/],
    ['http://[::ffff:127.0.0.1]/', /loopback/],
    ['http://0x7f.1/', /127\.0\.0\.1 is in a loopback/], // the URL parser turns this into 127.0.0.1
    ['http://2130706433/', /127\.0\.0\.1 is in a loopback/],
    ['http://169.254.169.254/latest/meta-data/', /link-local/],
    ['http://metadata.example.com/', /resolves to 169\.254\.169\.254: .*link-local/],
    ['http://sneaky.example.com/', /resolves to 10\.0\.0\.7: .*private/], // one bad address is enough
    ['http://nowhere.example.com/', /^url host "nowhere\.example\.com" does not resolve$/],
    ['ftp://hooks.example.com/', /^url must start with http:\/\/ or https:\/\/$/],
    ['file:///etc/passwd', /^url must start with http/],
    ['https://user:secret@hooks.example.com/', /must not carry a user name or password/],
    ['https://hooks.example.com/#frag', /#fragment/],
    ['not a url', /^url must be an absolute/],
  ])('refuses %s', async (url, why) => {
    const result = await destinations.check(url);
    expect(result).toEqual({ refused: expect.stringMatching(why) });
  });

  it('lets a listed host through whatever it resolves to, and only that host', async () => {
    const allowing = new WebhookDestinations(['localhost', '127.0.0.1', '[::1]', 'Rebound.Example.com'], resolve, OWN);
    for (const url of ['http://127.0.0.1:9/x', 'http://localhost:9/x', 'http://[::1]:9/x', 'http://rebound.example.com/']) expect(await allowing.check(url)).toHaveProperty('url');
    expect(await allowing.check('http://127.0.0.2/')).toHaveProperty('refused');
    expect(await allowing.check('http://[::ffff:127.0.0.2]/')).toHaveProperty('refused');
  });
});

describe('WebhookDestinations.lookupFor', () => {
  const lookupOf = (destinations: WebhookDestinations, host: string, all = false) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family?: number }>((done) => destinations.lookupFor()(host, { all }, (error, address, family) => done({ error, address, family })));

  it('answers with the resolved address for a public host', async () => {
    expect(await lookupOf(new WebhookDestinations([], resolve, OWN), 'hooks.example.com')).toEqual({ error: null, address: '93.184.215.14', family: 4 });
    expect((await lookupOf(new WebhookDestinations([], resolve, OWN), 'dual.example.com', true)).address).toEqual(names['dual.example.com']);
  });

  it('fails the connection when the name now resolves somewhere forbidden (DNS rebinding)', async () => {
    const { error } = await lookupOf(new WebhookDestinations([], resolve, OWN), 'rebound.example.com');
    expect(error).toMatchObject({ code: 'EWEBHOOKDESTINATION', message: expect.stringMatching(/resolves to 127\.0\.0\.1: .*loopback/) });
  });

  it('refuses an address literal the same way, and allows a listed one', async () => {
    expect((await lookupOf(new WebhookDestinations([], resolve, OWN), '10.0.0.1')).error?.code).toBe('EWEBHOOKDESTINATION');
    expect(await lookupOf(new WebhookDestinations(['127.0.0.1'], resolve, OWN), '127.0.0.1')).toEqual({ error: null, address: '127.0.0.1', family: 4 });
  });

  it('passes on a resolver failure', async () => {
    expect((await lookupOf(new WebhookDestinations([], resolve, OWN), 'nowhere.example.com')).error?.code).toBe('ENOTFOUND');
  });
});

describe('normaliseHost', () => {
  it.each([
    ['[::1]', '::1'],
    ['LOCALHOST.', 'localhost'],
    ['[0:0:0:0:0:0:0:1]', '::1'],
    [' Hooks.Example.COM ', 'hooks.example.com'],
  ])('%s → %s', (host, normal) => expect(normaliseHost(host)).toBe(normal));
});
