import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serviceCode, serviceLabel, serviceName, servicePort } from '../../src/web/service-names.ts';

test('service names: IANA names of common ports; UDP-only names; none for portless protocols or port 0', () => {
  const cases: Array<[number, number, string | undefined]> = [
    [6, 443, 'https'], [17, 443, 'https'], [6, 22, 'ssh'], [17, 53, 'domain'], [6, 53, 'domain'], [17, 123, 'ntp'],
    [17, 514, 'syslog'], [6, 514, undefined], [17, 6343, 'sflow'], [132, 80, 'http'], [6, 8123, undefined],
    [1, 443, undefined], [6, 0, undefined], [58, 22, undefined],
  ];
  for (const [proto, port, name] of cases) assert.equal(serviceName(proto, port), name, `${proto}/${port}`);
});

test('service port of a conversation: the named one, else the lower; a missing port loses', () => {
  assert.equal(servicePort(6, 51234, 443), 443);
  assert.equal(servicePort(6, 22, 60000), 22);
  assert.equal(servicePort(6, 8123, 50000), 8123, 'neither named: the lower');
  assert.equal(servicePort(6, 80, 443), 80, 'both named: the lower');
  assert.equal(servicePort(6, 1024, 3306), 3306, 'named beats lower');
  assert.equal(servicePort(17, 0, 53), 53);
  assert.equal(servicePort(17, 0, 0), 0);
});

test('service labels from codes', () => {
  assert.deepEqual(serviceLabel(serviceCode(6, 443)), { name: 'https', transport: 'tcp', port: 443 });
  assert.deepEqual(serviceLabel(serviceCode(17, 9999)), { name: 'udp/9999', transport: 'udp', port: 9999 });
  assert.deepEqual(serviceLabel(serviceCode(1, 0)), { name: 'icmp', transport: 'icmp', port: 0 });
  assert.deepEqual(serviceLabel(serviceCode(6, 0)), { name: 'tcp', transport: 'tcp', port: 0 });
});
