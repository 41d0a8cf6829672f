import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { helpText } from '../../src/config/help.ts';
import { loadConfig } from '../../src/config/load.ts';
import { TempDir } from '../support/read-capture.ts';
import { configProblems } from '../support/config-problems.ts';

const tmp = new TempDir();
after(() => tmp.dispose());

const problems = configProblems;

describe('flow configuration', () => {
  it('defaults: both listeners off, sFlow 6343, NetFlow/IPFIX 2055 and 4739, 16 MiB buffers', () => {
    const { flow } = loadConfig([], {}).config;
    assert.deepEqual(flow, {
      sflow: { enabled: false, host: '', port: 6343 }, netflow: { enabled: false, host: '', ports: [2055, 4739] },
      receiveBufferSize: 16 << 20, templateTimeout: 1800, samplingRates: [], maxExporters: 4096, allowedExporters: [], interfaceNamesFile: '',
    });
  });

  it('file < environment < flags, nested sections in the file', () => {
    const file = join(tmp.path, 'flow.yaml');
    writeFileSync(file, 'flow:\n  sflow: {enabled: true, port: 6000}\n  netflow:\n    enabled: true\n    ports: [9995]\n  samplingRates: ["*=100"]\n');
    const a = loadConfig(['-c', file], {}).config.flow;
    assert.deepEqual([a.sflow.enabled, a.sflow.port, a.netflow.ports, a.samplingRates], [true, 6000, [9995], ['*=100']]);
    const b = loadConfig(['-c', file], { OTELACCT_FLOW_SFLOW_PORT: '6001', OTELACCT_FLOW_NETFLOW_PORTS: '2055,4739', OTELACCT_FLOW_MAX_EXPORTERS: '10' }).config.flow;
    assert.deepEqual([b.sflow.port, b.netflow.ports, b.maxExporters], [6001, [2055, 4739], 10]);
    const c = loadConfig(['-c', file, '--sflow-port', '6002', '--no-sflow', '--netflow-port', '1', '--netflow-port', '2', '--flow-sampling-rate', '192.0.2.1=5',
      '--flow-receive-buffer-size', '1048576', '--flow-template-timeout', '60', '--flow-interface-names-file', '/etc/n', '--netflow-host', '::1'],
    { OTELACCT_FLOW_SFLOW_PORT: '6001' }).config.flow;
    assert.deepEqual(c, {
      sflow: { enabled: false, host: '', port: 6002 }, netflow: { enabled: true, host: '::1', ports: [1, 2] },
      receiveBufferSize: 1 << 20, templateTimeout: 60, samplingRates: ['192.0.2.1=5'], maxExporters: 4096, allowedExporters: [], interfaceNamesFile: '/etc/n',
    });
  });

  it('bad values and combinations are one line each, naming key and value', () => {
    assert.deepEqual(problems(['--sflow-port', '70000']), ['flow.sflow.port=70000: must be an integer from 1 to 65535']);
    assert.deepEqual(problems(['--sflow-host', 'router']), ['flow.sflow.host="router": must be an IP address (e.g. 0.0.0.0, ::, 192.0.2.10), or empty for all interfaces']);
    assert.deepEqual(problems(['--flow-sampling-rate', '192.0.2.1=0']), ['flow.samplingRates=["192.0.2.1=0"]: "192.0.2.1=0" is not EXPORTER=N (EXPORTER an IP address or *, N from 1 to 1000000000), e.g. 192.0.2.1=1000']);
    assert.deepEqual(problems(['--sflow', '--netflow', '--sflow-port', '2055']), ['flow.sflow.port=2055: also in flow.netflow.ports (2055, 4739); give each listener its own port']);
    assert.deepEqual(problems(['--netflow-port', '2055,2055']), ['flow.netflow.ports=[2055,2055]: lists a port twice']);
    assert.deepEqual(problems(['--netflow', '--read', 'x.pcap']), ['flow: the netflow listener runs alone or beside live capture, not with --read (capture.read="x.pcap")']);
    assert.deepEqual(problems(['--flow-max-exporters', '100000']), ['flow.maxExporters=100000: must be an integer from 1 to 65536']);
    const file = join(tmp.path, 'bad.yaml');
    writeFileSync(file, 'flow:\n  sflow: true\n  netflow: {ports: "2055"}\n');
    assert.deepEqual(problems(['-c', file]), [
      `flow.sflow=true: must be a map of keys (enabled, host, port) (in ${file})`,
      `flow.netflow.ports="2055": must be a list, not a string (in ${file})`,
    ]);
  });

  it('--help lists the flow keys under their own topic', () => {
    const help = helpText();
    assert.match(help, /Flow collector \(sFlow, NetFlow, IPFIX listeners\):/);
    for (const flag of ['--sflow', '--sflow-port', '--netflow-port', '--flow-sampling-rate', '--flow-interface-names-file']) assert.ok(help.includes(flag), flag);
  });
});
