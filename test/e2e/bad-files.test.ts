/**
 * Files that used to hang otelacct or print a stack trace: endless devices, FIFOs nobody writes
 * to, a closed stdout, TLS files that do not fit. Each must end in one line (or, for a closed
 * stdout, quietly).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FIFO_WRITER_WAIT_MS, waitForFifoWriter } from '../../src/capture/fifo-writer.ts';
import { CaptureFileError } from '../../src/capture/capture-file.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { loadWebConfig, WebConfigError } from '../../src/export/web-config.ts';
import { ethernetIPv4 } from '../support/frames.ts';
import { PcapWriter } from '../support/pcap-writer.ts';
import { TempDir } from '../support/read-capture.ts';
import { skipUnless } from '../support/requirements.ts';
import { CLI, parseExposition, runOtelacct, sumBy } from '../support/run-otelacct.ts';

const tmp = new TempDir();
after(() => tmp.dispose());

function fifo(name: string): string {
  const path = join(tmp.path, name);
  assert.equal(spawnSync('mkfifo', [path]).status, 0);
  return path;
}

/** A capture of `count` packets from distinct sources (one series each). */
function capture(name: string, count: number): string {
  const w = new PcapWriter({ linkType: LinkType.ETHERNET });
  for (let i = 0; i < count; i++) w.add(ethernetIPv4({ src: `10.${(i >> 8) & 255}.${i & 255}.1`, dst: '10.255.0.1', proto: 17, srcPort: 1, dstPort: 2, payloadLength: 10 }));
  return tmp.write(name, w.toBuffer());
}

function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one stderr line: ${stderr}`);
  return lines[0];
}

test('endless and oversized files are refused in one line: config, networks file, web config, certificate', async () => {
  const web = join(tmp.path, 'web.yaml');
  writeFileSync(web, 'tls_server_config:\n  cert_file: /dev/zero\n  key_file: /dev/zero\n');
  const big = join(tmp.path, 'big.yaml');
  writeFileSync(big, `# ${'x'.repeat(2 << 20)}\n`);
  for (const [args, want] of [
    [['-c', '/dev/zero'], /^otelacct: config file \/dev\/zero: larger than 1 MiB/],
    [['-c', big], /^otelacct: config file .*big\.yaml: larger than 1 MiB$/],
    [['--networks-file', '/dev/zero', '--read', '/dev/null'], /^otelacct: \/dev\/zero: larger than 256 MiB/],
    [['--web-config-file', '/dev/zero', '--read', '/dev/null', '--serve'], /^otelacct: prometheus\.webConfigFile \/dev\/zero: larger than 1 MiB/],
    [['--web-config-file', web, '--read', '/dev/null', '--serve', '--prometheus-port', '0'], /^otelacct: prometheus\.webConfigFile .*: tls_server_config\.cert_file \/dev\/zero: larger than 1 MiB/],
  ] as const) {
    const r = await runOtelacct([...args], { timeoutMs: 30_000 });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(oneLine(r.stderr), want);
  }
});

test('a config file that is a FIFO nobody writes to fails after 5 s; one with a writer is read', async () => {
  const empty = fifo('nobody.yaml');
  const r = await runOtelacct(['-c', empty, '--print-config'], { timeoutMs: 30_000 });
  assert.equal(r.code, 2);
  assert.match(oneLine(r.stderr), /^otelacct: config file .*nobody\.yaml: no data within 5 s \(a FIFO nobody writes to\?\)$/);
  const fed = fifo('fed.yaml');
  const writer = spawn('sh', ['-c', `sleep 1; printf 'log:\\n  level: warn\\n' > ${fed}`]);
  const ok = await runOtelacct(['-c', fed, '--print-config'], { timeoutMs: 30_000 });
  writer.kill();
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((JSON.parse(ok.stdout) as { log: { level: string } }).log.level, 'warn');
});

test('--read of a FIFO waits for its writer, reads every packet even from a writer that is already done, and gives up in one line', async () => {
  const pcap = capture('fifo.pcap', 500);
  const path = fifo('capture.fifo');
  // cat opens, writes and closes at once: the packets must still all be read.
  const writer = spawn('sh', ['-c', `sleep 2; cat ${pcap} > ${path}`]);
  const r = await runOtelacct(['--read', path], { timeoutMs: 30_000 });
  writer.kill();
  assert.equal(r.code, 0, r.stderr);
  assert.equal([...sumBy(parseExposition(r.stdout), 'otelacct_traffic_packets_total', []).values()][0], 500);

  const started = Date.now();
  await assert.rejects(waitForFifoWriter(fifo('silent.fifo'), () => {}, 300), (err: unknown) =>
    err instanceof CaptureFileError && /silent\.fifo: no process opened this FIFO for writing within 0\.3 s$/.test(err.message));
  assert.ok(Date.now() - started < 5000);
  assert.equal(FIFO_WRITER_WAIT_MS, 30_000, 'the documented wait');
  assert.equal(await waitForFifoWriter(pcap, () => {}), undefined, 'a regular file is opened by the reader');
});

test('stdout closed early (otelacct --read f | head -1): no stack trace, exit status 141', async () => {
  const pcap = capture('many.pcap', 3000); // ~500 KB of exposition: more than a pipe holds
  const child = spawn(process.execPath, [CLI, '--read', pcap], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(stderr, '');
  assert.equal(code, 141);
});

test('TLS files: swapped, mismatched or wrong-type certificate and key name the file and the problem', (t) => {
  if (!skipUnless(t, { tools: ['openssl'] })) return;
  const pair = (name: string, alg: string[]) => {
    execFileSync('openssl', ['req', '-x509', '-newkey', ...alg, '-nodes', '-days', '2', '-subj', '/CN=localhost',
      '-keyout', join(tmp.path, `${name}.key`), '-out', join(tmp.path, `${name}.crt`)], { stdio: 'ignore' });
  };
  pair('a', ['rsa:2048']);
  pair('b', ['ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  const web = join(tmp.path, 'tls.yaml');
  const problem = (cert: string, key: string): string => {
    writeFileSync(web, `tls_server_config:\n  cert_file: ${cert}\n  key_file: ${key}\n`);
    try {
      loadWebConfig(web);
    } catch (err) {
      assert.ok(err instanceof WebConfigError, String(err));
      return err.message;
    }
    return '';
  };
  const at = (f: string) => join(tmp.path, f);
  assert.equal(problem('a.crt', 'a.key'), '');
  assert.equal(problem('b.crt', 'b.key'), '');
  assert.equal(problem('a.key', 'a.crt'), `prometheus.webConfigFile ${web}: tls_server_config.cert_file ${at('a.key')}: not a PEM certificate: it holds a private key (cert_file and key_file swapped?)`);
  assert.equal(problem('a.crt', 'b.key'), `prometheus.webConfigFile ${web}: tls_server_config.key_file ${at('b.key')}: not the private key of the certificate in cert_file ${at('a.crt')}`);
  assert.equal(problem('a.crt', 'a.crt'), `prometheus.webConfigFile ${web}: tls_server_config.key_file ${at('a.crt')}: not a PEM private key: it holds a certificate`);
  assert.match(problem('tls.yaml', 'a.key'), new RegExp(`tls_server_config\\.cert_file ${at('tls.yaml')}: not a PEM certificate \\(`));
});
