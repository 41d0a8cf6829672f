import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Config } from '../../src/config/schema.ts';
import type { NetflowDecoderOptions } from '../../src/flow/decoders.ts';
import { FlowCollector } from '../../src/flow/flow-collector.ts';
import type { FlowLog } from '../../src/flow/flow-listener.ts';
import { TestAccounting } from '../support/accounting.ts';
import { TempDir } from '../support/read-capture.ts';
import { testDecoders } from '../support/test-flow-decoder.ts';

const tmp = new TempDir();
after(() => tmp.dispose());
const log: FlowLog = () => {};

function flowConfig(o: Partial<Config['flow']> = {}): Config['flow'] {
  return {
    sflow: { enabled: false, host: '127.0.0.1', port: 6343 }, netflow: { enabled: true, host: '127.0.0.1', ports: [2055] },
    receiveBufferSize: 65536, templateTimeout: 1800, samplingRates: [], maxExporters: 16, allowedExporters: [], interfaceNamesFile: '', ...o,
  };
}

describe('flow collector', () => {
  it('sampling-rate fallback per exporter: its own entry, else *, else 1; handed to the NetFlow decoder with the template timeout', () => {
    const t = new TestAccounting([{ name: 'x', dimensions: ['source.address'] }]);
    let given: NetflowDecoderOptions | undefined;
    const c = new FlowCollector({
      config: flowConfig({ samplingRates: ['192.0.2.1=1000', '*=10', '2001:db8:0::1=7'], templateTimeout: 90 }),
      accountant: t.accountant, interfaces: t.interfaces, log,
      decoders: { netflow: (sink, stats, o) => { given = o; return testDecoders.netflow(sink, stats); } },
    });
    const ids = ['192.0.2.1', '198.51.100.1', '2001:db8::1'].map((a) => c.registry.id(a));
    assert.equal(given?.templateTimeout, 90);
    assert.deepEqual(ids.map((e) => given!.samplingRate(e)), [1000, 10, 7]);
    const none = new FlowCollector({ config: flowConfig(), accountant: t.accountant, interfaces: t.interfaces, log, decoders: testDecoders });
    assert.equal(none.samplingRate(none.registry.id('192.0.2.1')), 1);
    assert.equal(none.samplingRate(500), 1, 'an id never registered (registry name exporter500)');
  });

  it('an enabled listener without a decoder in this build is one line', () => {
    const t = new TestAccounting([{ name: 'x', dimensions: ['source.address'] }]);
    assert.throws(() => new FlowCollector({ config: flowConfig({ sflow: { enabled: true, host: '', port: 6343 } }), accountant: t.accountant, interfaces: t.interfaces, log, decoders: { netflow: testDecoders.netflow } }),
      { name: 'FlowListenError', message: 'flow.sflow.enabled: this build of otelacct has no sFlow decoder' });
    assert.throws(() => new FlowCollector({ config: flowConfig(), accountant: t.accountant, interfaces: t.interfaces, log, decoders: {} }),
      { message: 'flow.netflow.enabled: this build of otelacct has no NetFlow/IPFIX decoder' });
  });

  it('the names file: loaded at start (a bad one is one line), a failed reload keeps the previous names', () => {
    const t = new TestAccounting([{ name: 'x', dimensions: ['otelacct.ingress.interface.name'] }]);
    const file = join(tmp.path, 'names.txt');
    writeFileSync(file, '192.0.2.1 7 core\n');
    const c = new FlowCollector({ config: flowConfig({ interfaceNamesFile: file }), accountant: t.accountant, interfaces: t.interfaces, log, decoders: testDecoders });
    const first = t.accountant.interfaceNames;
    assert.equal(first?.size, 1);
    writeFileSync(file, '192.0.2.1 seven core\n');
    assert.equal(c.reloadInterfaceNames(file), `flow.interfaceNamesFile ${file}: line 1: ifIndex "seven" is not an integer from 0 to 2147483647`);
    assert.equal(t.accountant.interfaceNames, first);
    assert.match(c.reloadInterfaceNames(join(tmp.path, 'missing.txt')) ?? '', /^flow\.interfaceNamesFile .*missing\.txt: cannot read \(ENOENT\)$/);
    assert.throws(() => new FlowCollector({ config: flowConfig({ interfaceNamesFile: file }), accountant: t.accountant, interfaces: t.interfaces, log, decoders: testDecoders }),
      { name: 'InterfaceNamesError' });
  });
});
