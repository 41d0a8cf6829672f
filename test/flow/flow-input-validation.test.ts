import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { ExporterRegistry } from '../../src/flow/exporter-registry.ts';
import { InterfaceNameTable, MAX_INTERFACE_NAME_BYTES, parseInterfaceNames } from '../../src/flow/interface-names.ts';
import { ReverseDns } from '../../src/web/reverse-dns.ts';
import { configProblems } from '../support/config-problems.ts';

/** Hostile or odd input around the flow collector (issue 14, review): one clear line each, never a crash. */
const problems = configProblems;

describe('flow and reverse-DNS input validation', () => {
  it('interface names: at most 255 bytes (SNMP ifName), no control characters', () => {
    const parse = (text: string) => parseInterfaceNames(text, 'names', new InterfaceNameTable());
    const ok = 'x'.repeat(MAX_INTERFACE_NAME_BYTES);
    assert.equal(parse(`* 1 ${ok}\n* 2 xe-0/0/1 uplink to core\n`).get('*')?.size, 2);
    assert.throws(() => parse(`* 1 ${ok}x\n`), { name: 'InterfaceNamesError', message: `names: line 1: name "${'x'.repeat(40)}"... is 256 bytes long (at most 255, SNMP ifName's limit)` });
    // Multi-byte characters count by their UTF-8 bytes.
    assert.throws(() => parse(`* 1 ${'é'.repeat(128)}\n`), /is 256 bytes long/);
    assert.throws(() => parse('* 1 xe-0/0/1\tuplink\n'), { message: 'names: line 1: name "xe-0/0/1\\tuplink" has a control character' });
    assert.throws(() => parse('ip=192.0.2.1 ifindex=3 name=a\u001b[31mred\n'), /line 1: name .* has a control character/);
    assert.throws(() => parse('* 1 a\u0085b\n'), /has a control character/);
    assert.equal(parse('* 1 uplink\r\n').get('*')?.size, 1, 'CRLF line ends are not part of the name');
  });

  it('interface names: a binary file gets one short printable line, never its bytes', () => {
    const parse = (bytes: Uint8Array) => parseInterfaceNames(Buffer.from(bytes).toString('utf8'), 'names', new InterfaceNameTable());
    const message = (bytes: Uint8Array): string => {
      try {
        parse(bytes);
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    };
    // An ELF header (NUL bytes): said to be binary, nothing quoted.
    const elf = new Uint8Array(2000).map((_, i) => (i < 4 ? [0x7f, 0x45, 0x4c, 0x46][i] : (i * 37) % 7 === 0 ? 0 : (i * 91) & 0xff));
    assert.equal(message(elf), 'names: line 1: a NUL byte: not a text file');
    assert.equal(message(new TextEncoder().encode('* 1 uplink\n* 2 x\0y\n')), 'names: line 2: a NUL byte: not a text file');
    // High bytes and controls without a NUL: a quoted, escaped prefix of at most 40 characters.
    for (const seed of [1, 2, 3]) {
      const junk = new Uint8Array(3000).map((_, i) => 1 + ((i * 131 + seed * 17) % 255));
      const m = message(junk);
      assert.match(m, /^names: line 1: /);
      assert.ok(m.length < 400, `${m.length} characters: ${m}`);
      assert.match(m, /^[\x20-\x7e]+$/, 'printable ASCII only');
    }
    assert.throws(() => parse(new TextEncoder().encode(`ip=192.0.2.1 ${'\u0085'.repeat(300)}\n`)),
      { message: `names: line 1: "${'\\u0085'.repeat(40)}"... is not key=value (keys: ip, ifindex, in, out, name, set_label)` });
  });

  it('flow.samplingRates: an exporter given twice is rejected, naming both entries', () => {
    assert.deepEqual(problems(['--flow-sampling-rate', '192.0.2.1=100', '--flow-sampling-rate', '192.0.2.1=1000']),
      ['flow.samplingRates=["192.0.2.1=100","192.0.2.1=1000"]: "192.0.2.1=1000" repeats exporter 192.0.2.1 (already "192.0.2.1=100"): one rate per exporter']);
    assert.deepEqual(problems(['--flow-sampling-rate', '2001:db8::1=10', '--flow-sampling-rate', '2001:DB8:0:0::1=20']).length, 1, 'two spellings of one address');
    assert.deepEqual(problems(['--flow-sampling-rate', '*=10', '--flow-sampling-rate', '*=20']).length, 1);
    assert.deepEqual(problems(['--flow-sampling-rate', '*=10', '--flow-sampling-rate', '192.0.2.1=20', '--flow-sampling-rate', '192.0.2.2=20']), []);
  });

  it('web.reverseDnsServers: not an IP, port 0, unspecified, multicast, broadcast or repeated servers are rejected at load', () => {
    const line = (v: string, why: string) => [`web.reverseDnsServers=${JSON.stringify([v])}: ${JSON.stringify(v)} is not a DNS server address (${why})`];
    const syntax = 'an IP address, optionally :port from 1 to 65535; IPv6 with a port in brackets';
    const unusable = 'unspecified, multicast or broadcast';
    assert.deepEqual(problems(['--web-reverse-dns-server', 'dns.example']), line('dns.example', syntax));
    assert.deepEqual(problems(['--web-reverse-dns-server', '192.0.2.53:0']), line('192.0.2.53:0', syntax));
    assert.deepEqual(problems(['--web-reverse-dns-server', '[2001:db8::53]:70000']), line('[2001:db8::53]:70000', syntax));
    for (const v of ['0.0.0.0', '::', '[::]:53', '255.255.255.255', '224.0.0.251', 'ff02::fb']) {
      assert.deepEqual(problems(['--web-reverse-dns-server', v]), line(v, unusable), v);
    }
    assert.deepEqual(problems(['--web-reverse-dns-server', '192.0.2.53', '--web-reverse-dns-server', '192.0.2.53:53']),
      ['web.reverseDnsServers=["192.0.2.53","192.0.2.53:53"]: "192.0.2.53:53" is listed twice']);
    assert.deepEqual(problems(['--web-reverse-dns-server', '192.0.2.53', '--web-reverse-dns-server', '[2001:db8::53]:5353',
      '--web-reverse-dns-server', '::ffff:192.0.2.54']), []);
  });

  it('ReverseDns given servers the resolver refuses throws one line naming the key', () => {
    assert.throws(() => new ReverseDns({ servers: ['not a server'], perSecond: 1 }),
      { message: 'web.reverseDnsServers: "not a server" is not a DNS server the resolver accepts (ERR_INVALID_IP_ADDRESS)' });
  });

  it('flow.allowedExporters: spoofed sources outside it get no exporter id, so they cannot use up flow.maxExporters', () => {
    const r = new ExporterRegistry(2, ['192.0.2.0/24', '2001:db8::/32']);
    for (let i = 0; i < 1000; i++) assert.equal(r.id(`198.51.${i >> 8}.${i & 255}`), -1);
    assert.equal(r.size, 0);
    assert.equal(r.id('192.0.2.1'), 0);
    assert.equal(r.id('2001:db8::5'), 1);
    assert.equal(r.id('192.0.2.1'), 0);
    assert.equal(r.id('192.0.2.9'), -1, 'then flow.maxExporters still applies');
    assert.equal(new ExporterRegistry(2).id('198.51.100.1'), 0, 'empty: any source');
    assert.deepEqual(loadConfig(['--flow-allowed-exporter', '192.0.2.0/24', '--flow-allowed-exporter', '2001:db8::/32'], {}).config.flow.allowedExporters,
      ['192.0.2.0/24', '2001:db8::/32']);
    assert.deepEqual(problems(['--flow-allowed-exporter', '192.0.2.0/33']),
      ['flow.allowedExporters=["192.0.2.0/33"]: "192.0.2.0/33" is not a CIDR prefix like 192.0.2.0/24 or 2001:db8::/32']);
    assert.deepEqual(problems(['--flow-allowed-exporter', 'router/24']).length, 1);
  });
});
