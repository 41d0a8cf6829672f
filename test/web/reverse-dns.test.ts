import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReverseDns, type ReverseDnsOptions } from '../../src/web/reverse-dns.ts';
import { DnsResponder, ptrName } from '../support/dns-responder.ts';
import { waitFor } from '../support/processes.ts';

const NAMES = { '192.0.2.7': 'www.example.net', '192.0.2.8': 'mail.example.net', '192.0.2.9': 'ns.example.net', '2001:db8::1': 'v6.example.net' };

async function setup(t: import('node:test').TestContext, o: Partial<ReverseDnsOptions> = {}, r: { silent?: string[]; delayMs?: number } = {}) {
  const dns = await DnsResponder.start(NAMES, r);
  t.after(() => dns.close());
  const clock = { now: Date.now() };
  const rdns = new ReverseDns({ servers: [dns.server], perSecond: 1000, timeoutMs: 300, tries: 1, now: () => clock.now, ...o });
  t.after(() => rdns.close());
  return { dns, rdns, clock };
}

/** Asks until `address` has a name (or `undefined` once the lookup has come back empty). */
const named = (rdns: ReverseDns, address: string) => waitFor(`a name for ${address}`, async () => rdns.name(address), 3000, 10);

test('ptr query names, IPv4 and IPv6', () => {
  assert.equal(ptrName('192.0.2.7'), '7.2.0.192.in-addr.arpa');
  assert.equal(ptrName('2001:db8::1'), `1.${'0.'.repeat(23)}8.b.d.0.1.0.0.2.ip6.arpa`);
});

test('reverse dns: answers arrive in the background, are cached (no second query), the trailing dot dropped; non-addresses are not asked', async (t) => {
  const { dns, rdns } = await setup(t);
  assert.equal(rdns.name('192.0.2.7'), undefined, 'never waits: unknown at first');
  assert.equal(await named(rdns, '192.0.2.7'), 'www.example.net');
  assert.equal(await named(rdns, '2001:db8::1'), 'v6.example.net');
  const asked = dns.queries.length;
  for (let i = 0; i < 10; i++) assert.equal(rdns.name('192.0.2.7'), 'www.example.net');
  assert.equal(dns.queries.length, asked, 'served from the cache');
  assert.equal(rdns.name('10.0.0.0/8'), undefined);
  assert.equal(rdns.name('<script>'), undefined);
  assert.equal(rdns.stats.lookups, 2);
});

test('reverse dns: NXDOMAIN and timeouts are cached as "no name" for the negative TTL, then asked again; names expire after the TTL', async (t) => {
  const { dns, rdns, clock } = await setup(t, { negativeTtlMs: 60_000, ttlMs: 600_000 }, { silent: ['192.0.2.99'] });
  rdns.name('198.51.100.1'); // NXDOMAIN
  rdns.name('192.0.2.99'); // no answer: times out
  await waitFor('both failed', async () => (rdns.stats.failed === 2 ? true : undefined), 3000, 10);
  const asked = dns.queries.length;
  assert.equal(rdns.name('198.51.100.1'), undefined);
  assert.equal(rdns.name('192.0.2.99'), undefined);
  assert.equal(dns.queries.length, asked, 'failures are remembered');
  clock.now += 60_001;
  rdns.name('198.51.100.1');
  await waitFor('asked again', async () => (dns.queries.length > asked ? true : undefined), 3000, 10);

  assert.equal(await named(rdns, '192.0.2.8'), 'mail.example.net');
  const before = dns.queries.length;
  clock.now += 600_001;
  assert.equal(rdns.name('192.0.2.8'), undefined, 'expired: asked again');
  assert.equal(await named(rdns, '192.0.2.8'), 'mail.example.net');
  assert.equal(dns.queries.length, before + 1);
});

test('reverse dns: the cache keeps the most recently used maxEntries names', async (t) => {
  const { dns, rdns } = await setup(t, { maxEntries: 2 });
  await named(rdns, '192.0.2.7');
  await named(rdns, '192.0.2.8');
  rdns.name('192.0.2.7'); // used: .8 is now the oldest
  await named(rdns, '192.0.2.9'); // evicts .8
  const asked = dns.queries.length;
  assert.equal(rdns.name('192.0.2.7'), 'www.example.net');
  assert.equal(rdns.name('192.0.2.9'), 'ns.example.net');
  assert.equal(dns.queries.length, asked);
  assert.equal(rdns.name('192.0.2.8'), undefined, 'evicted: asked again');
  await waitFor('asked again', async () => (dns.queries.length > asked ? true : undefined), 3000, 10);
  assert.equal(rdns.stats.cached <= 2, true);
});

test('reverse dns: at most maxInFlight lookups at once, perSecond started per second, maxQueued waiting (the rest dropped)', async (t) => {
  const { dns, rdns } = await setup(t, { maxInFlight: 3, maxQueued: 10, perSecond: 1000 }, { delayMs: 150 });
  for (let i = 1; i <= 20; i++) rdns.name(`198.51.100.${i}`);
  assert.equal(rdns.stats.inFlight, 3);
  assert.equal(rdns.stats.queued, 10);
  assert.equal(rdns.stats.dropped, 7);
  await waitFor('all asked', async () => (rdns.stats.failed === 13 ? true : undefined), 5000, 20);
  assert.equal(dns.maxPending, 3, 'the server never saw more than 3 at once');

  // The rate: 5 a second, 12 asked at once → 5 at once (the bucket's burst), about 1 s for 5 more.
  const slow = await setup(t, { perSecond: 5, maxInFlight: 100, maxQueued: 100, now: Date.now });
  const t0 = Date.now();
  for (let i = 1; i <= 12; i++) slow.rdns.name(`203.0.113.${i}`);
  assert.equal(slow.rdns.stats.lookups, 5);
  await waitFor('10 asked', async () => (slow.rdns.stats.lookups >= 10 ? true : undefined), 3000, 10);
  const took = Date.now() - t0;
  assert.ok(took >= 900 && took < 1600, `5 more took ${took} ms at 5/s`);
  assert.equal(slow.rdns.stats.lookups, 10, 'not faster than the rate');
});
