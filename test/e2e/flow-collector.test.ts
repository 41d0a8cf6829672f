import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { ethernetIPv4 } from '../support/frames.ts';
import { VethNamespace } from '../support/netns.ts';
import { OtlpReceiver, sumPoints } from '../support/otlp-receiver.ts';
import { OutputWatch, stop, waitFor } from '../support/processes.ts';
import { TempDir } from '../support/read-capture.ts';
import { skipUnless, unmet } from '../support/requirements.ts';
import { parseExposition, parseLabels, runOtelacct, startOtelacct, sumBy } from '../support/run-otelacct.ts';
import { testDatagram, type TestFlow, type TestHeader } from '../support/test-flow-decoder.ts';

/** Gives the spawned otelacct the test-layout decoders (the CLI's own decoders are not under test here). */
const PRELOAD = ['--import', fileURLToPath(new URL('../support/flow-test-decoders.ts', import.meta.url))];
const tmp = new TempDir();
const sockets: Socket[] = [];
after(() => {
  for (const s of sockets) s.close();
  tmp.dispose();
});

/** Free UDP ports on 127.0.0.1 (bound together, then released). */
async function freeUdpPorts(n: number): Promise<number[]> {
  const held = await Promise.all(Array.from({ length: n }, () => new Promise<Socket>((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = held.map((s) => s.address().port);
  for (const s of held) s.close();
  return ports;
}

async function sendFrom(source: string, port: number, data: Uint8Array): Promise<void> {
  const s = createSocket('udp4');
  sockets.push(s);
  await new Promise<void>((resolve) => s.bind(0, source, resolve));
  await new Promise<void>((resolve, reject) => s.send(data, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
}

const flow = (o: Partial<TestFlow> & Pick<TestFlow, 'src' | 'dst'>): TestFlow => ({ bytes: 1000, packets: 2, protocol: 6, srcPort: 1234, dstPort: 443, ...o });

describe('otelacct as a flow collector (CLI, no capture)', () => {
  it('collects NetFlow and sFlow on loopback, serves them on /metrics with the flow dimensions and self-telemetry, reloads interface names on SIGHUP, pushes the final OTLP export on SIGTERM', async (t) => {
    const [nf1, nf2, sf] = await freeUdpPorts(3);
    const rx = new OtlpReceiver();
    const otlp = await rx.start();
    t.after(() => rx.stop());
    const names = join(tmp.path, 'ifnames.txt');
    writeFileSync(names, '# exporter ifIndex name\n127.0.0.1 10 xe-0/0/1\n* 20 uplink\n');
    const config = join(tmp.path, 'collector.yaml');
    writeFileSync(config, [
      'accounting:',
      '  localNetworks: [10.0.0.0/8]',
      'aggregations:',
      '  - name: traffic',
      '    dimensions: [source.address, destination.address, network.interface.name, otelacct.exporter.address, otelacct.ingress.interface.id, otelacct.ingress.interface.name, otelacct.egress.interface.name]',
      '  - name: hosts',
      '    dimensions: [otelacct.local.address, network.io.direction]',
      'flow:',
      `  sflow: {enabled: true, host: 127.0.0.1, port: ${sf}}`,
      `  netflow: {enabled: true, host: 127.0.0.1, ports: [${nf1}, ${nf2}]}`,
      `  interfaceNamesFile: ${names}`,
    ].join('\n') + '\n');
    // An OTLP interval longer than the test: the only push is the final one, at SIGTERM.
    const child = startOtelacct(['-c', config, '--prometheus-host', '127.0.0.1', '--prometheus-port', '0', '--otlp-endpoint', `${otlp}/v1/metrics`, '--otlp-interval', '600000'], {}, PRELOAD);
    t.after(() => stop(child));
    const log = new OutputWatch(child);
    const url = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
    const collecting = JSON.parse(await log.line(/"collecting flows"/)) as { listeners: string[] };
    assert.deepEqual(collecting.listeners.sort(), [`127.0.0.1:${nf1}`, `127.0.0.1:${nf2}`, `127.0.0.1:${sf}`].sort());
    assert.doesNotMatch(log.text, /"capturing"/);

    await sendFrom('127.0.0.1', nf1, testDatagram([flow({ src: '10.0.0.1', dst: '192.0.2.1', samplingRate: 10, inputIf: 10, outputIf: 20 })]));
    await sendFrom('127.0.0.2', nf2, testDatagram([flow({ src: '192.0.2.9', dst: '10.0.0.5', bytes: 500, packets: 1, inputIf: 10, outputIf: 3 })]));
    const frame = ethernetIPv4({ src: '10.0.0.1', dst: '192.0.2.1', proto: 17, srcPort: 5, dstPort: 6, payloadLength: 72 }); // IP length 100
    const header: TestHeader = { header: frame.subarray(0, 64), headerProtocol: 1, rate: 100, frameLength: frame.length + 4, inputIf: 10, outputIf: 20 };
    await sendFrom('127.0.0.1', sf, testDatagram([header]));
    for (const port of [nf1, nf2, sf]) await sendFrom('127.0.0.3', port, Buffer.from('garbage, not a flow datagram'));

    const scrape = async () => parseExposition(await (await fetch(url)).text());
    const m = await waitFor('every datagram counted', async () => {
      const x = await scrape();
      return sumBy(x, 'otelacct_flow_datagrams_total', []).get('') === 6 ? x : undefined;
    });
    const traffic = sumBy(m, 'otelacct_traffic_bytes_total', ['network_interface_name', 'source_address', 'otelacct_exporter_address', 'otelacct_ingress_interface_id', 'otelacct_ingress_interface_name', 'otelacct_egress_interface_name']);
    assert.deepEqual(Object.fromEntries(traffic), {
      'netflow,10.0.0.1,127.0.0.1,10,xe-0/0/1,uplink': 10_000,
      'netflow,192.0.2.9,127.0.0.2,10,10,3': 500,
      'sflow,10.0.0.1,127.0.0.1,10,xe-0/0/1,uplink': 100 * 100,
    });
    assert.deepEqual(Object.fromEntries(sumBy(m, 'otelacct_hosts_packets_total', ['otelacct_local_address', 'network_io_direction'])), {
      '10.0.0.1,transmit': 20 + 100, '10.0.0.5,receive': 1,
    });
    const self = (metric: string, labels: string[]) => Object.fromEntries(sumBy(m, metric, labels));
    assert.deepEqual(self('otelacct_flow_datagrams_total', ['otelacct_flow_protocol', 'otelacct_exporter_address']), {
      'netflow,127.0.0.1': 1, 'netflow,127.0.0.2': 1, 'netflow,127.0.0.3': 2, 'sflow,127.0.0.1': 1, 'sflow,127.0.0.3': 1,
    });
    assert.deepEqual(self('otelacct_flow_records_total', ['otelacct_flow_protocol']), { netflow: 2, sflow: 1 });
    assert.deepEqual(self('otelacct_flow_malformed_total', ['otelacct_flow_protocol', 'otelacct_exporter_address']), {
      'netflow,127.0.0.1': 0, 'netflow,127.0.0.2': 0, 'netflow,127.0.0.3': 2, 'sflow,127.0.0.1': 0, 'sflow,127.0.0.3': 1,
    });
    assert.equal(sumBy(m, 'otelacct_flow_errors_total', ['error_type']).get('bad_version'), 3);
    assert.equal(sumBy(m, 'otelacct_flow_exporters', []).get(''), 3);
    assert.deepEqual(self('otelacct_flow_socket_dropped_total', ['otelacct_flow_protocol', 'network_local_port']), {
      [`netflow,${nf1}`]: 0, [`netflow,${nf2}`]: 0, [`sflow,${sf}`]: 0,
    });
    assert.ok(sumBy(m, 'otelacct_udp_receive_buffer_errors_total', []).has(''));
    assert.ok(![...m.keys()].some((k) => k.startsWith('otelacct_capture_packets_total') && /sflow|netflow/.test(k)), 'listeners are not capture interfaces');
    assert.ok([...m.keys()].every((k) => !k.startsWith('otelacct_traffic_bytes_total') || parseLabels(k).labels.network_interface_name !== undefined));

    // The exposition with the flow series and metrics passes promtool's linter.
    if (unmet({ tools: ['promtool'] }) === undefined) {
      const lint = spawnSync('promtool', ['check', 'metrics'], { input: await (await fetch(url)).text(), encoding: 'utf8' });
      assert.equal(lint.status, 0, `promtool check metrics: ${lint.stdout}${lint.stderr}`);
    }

    // The live page works on flow input alone.
    assert.equal((await fetch(new URL('/', url))).status, 200);
    const snap = await fetch(new URL('/api/snapshot', url));
    assert.equal(snap.status, 200);
    // Its rates come from flushes while a page is open (none was yet); the health totals count flows.
    const health = ((await snap.json()) as { health: { bytes: number; packets: number } }).health;
    assert.deepEqual([health.bytes, health.packets], [10_000 + 500 + 10_000, 20 + 1 + 100]);

    // SIGHUP: the names file is re-read; later records get the new name, earlier series keep theirs.
    writeFileSync(names, '127.0.0.1 10 xe-0/0/9\n');
    child.kill('SIGHUP');
    await log.line(/"configuration reloaded"/);
    assert.match(log.text, /"interface names loaded".*"entries":1/);
    await sendFrom('127.0.0.1', nf1, testDatagram([flow({ src: '10.0.0.1', dst: '192.0.2.1', bytes: 7, packets: 1, inputIf: 10, outputIf: 20 })]));
    const m2 = await waitFor('the record after the reload', async () => {
      const x = sumBy(await scrape(), 'otelacct_traffic_bytes_total', ['otelacct_ingress_interface_name', 'otelacct_egress_interface_name']);
      return x.has('xe-0/0/9,20') ? x : undefined;
    });
    assert.equal(m2.get('xe-0/0/9,20'), 7);
    assert.equal(m2.get('xe-0/0/1,uplink'), 10_000 + 10_000);

    assert.equal(rx.received.length, 0);
    assert.equal(await stop(child, 'SIGTERM'), 0);
    assert.match(log.text, /"stopping".*"SIGTERM"/);
    assert.deepEqual(rx.problems, []);
    // The final export: one push, possibly several requests (self-telemetry, traffic chunks).
    const points = (name: string, keys: string[]) => {
      const out: Record<string, number> = {};
      for (const r of rx.received) for (const [k, v] of sumPoints(r.body, name, keys)) out[k] = (out[k] ?? 0) + v;
      return out;
    };
    assert.deepEqual(points('otelacct.traffic.bytes', ['otelacct.exporter.address', 'otelacct.ingress.interface.id', 'otelacct.ingress.interface.name']), {
      '127.0.0.1,10,xe-0/0/1': 20_000, '127.0.0.1,10,xe-0/0/9': 7, '127.0.0.2,10,10': 500,
    });
    assert.deepEqual(points('otelacct.flow.datagrams', []), { '': 7 });
  });

  it('refuses flow listeners with --read, and a taken port, in one line', async () => {
    const r = await runOtelacct(['--sflow', '--read', '/nonexistent.pcap'], {});
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'otelacct: flow: the sflow listener runs alone or beside live capture, not with --read (capture.read="/nonexistent.pcap")\n');
    const [port] = await freeUdpPorts(1);
    const holder = createSocket('udp4');
    sockets.push(holder);
    await new Promise<void>((resolve) => holder.bind(port, '127.0.0.1', resolve));
    const child = startOtelacct(['--netflow', '--netflow-host', '127.0.0.1', '--netflow-port', String(port), '--prometheus-port', '0'], {}, PRELOAD);
    const out = new OutputWatch(child);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1);
    assert.match(out.text, new RegExp(`^otelacct: flow.netflow: cannot listen on 127.0.0.1 udp port ${port} \\(EADDRINUSE\\)$`, 'm'));
  });
});

describe('otelacct beside live capture', () => {
  it('one process counts captured packets and flow records into the same aggregation, told apart by network.interface.name', async (t) => {
    if (!skipUnless(t, { tools: ['ip'], root: true })) return;
    const net = new VethNamespace(5);
    t.after(() => net.dispose());
    const [nf] = await freeUdpPorts(1);
    const child = startOtelacct(['-i', net.hostIf, '--filter', 'udp', '--netflow', '--netflow-host', '127.0.0.1', '--netflow-port', String(nf),
      '--dimensions', 'source.address,destination.address,network.interface.name', '--prometheus-host', '127.0.0.1', '--prometheus-port', '0'], {}, PRELOAD);
    const log = new OutputWatch(child);
    t.after(() => stop(child));
    const url = (JSON.parse(await log.line(/"serving metrics"/)) as { url: string }).url;
    await log.line(/"capturing"/);
    await log.line(/"collecting flows"/);
    const udp = createSocket('udp4');
    sockets.push(udp);
    for (let i = 0; i < 5; i++) await new Promise<void>((r, j) => udp.send(Buffer.alloc(72), 9, net.peerAddr, (e) => (e ? j(e) : r())));
    await sendFrom('127.0.0.1', nf, testDatagram([flow({ src: net.hostAddr, dst: net.peerAddr, bytes: 1234, packets: 3 })]));
    const bytes = await waitFor('both sources counted', async () => {
      const x = sumBy(parseExposition(await (await fetch(url)).text()), 'otelacct_traffic_bytes_total', ['network_interface_name', 'source_address', 'destination_address']);
      return x.size === 2 ? x : undefined;
    }, 10_000);
    assert.deepEqual(Object.fromEntries(bytes), {
      [`${net.hostIf},${net.hostAddr},${net.peerAddr}`]: 5 * 100,
      [`netflow,${net.hostAddr},${net.peerAddr}`]: 1234,
    });
    assert.equal(await stop(child, 'SIGTERM'), 0);
  });
});
