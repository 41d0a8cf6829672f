import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProcNetUdp, parseRcvbufErrors } from '../../src/flow/udp-stats.ts';

describe('/proc parsing for the flow sockets', () => {
  it('/proc/net/udp and udp6 rows: local port, inode and drops; broken lines skipped', () => {
    const udp = [
      '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            ',
      '10724: 0100007F:9A83 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1003038 2 00000000d2c310fc 0       ',
      '  813: 00000000:080B 00000000:0000 07 00000000:00034000 00:00000000 00000000     0        0 2044 2 0000000074b1a3b4 1763',
      'garbage line',
    ].join('\n');
    assert.deepEqual(parseProcNetUdp(udp), [{ localPort: 0x9a83, inode: 1003038, drops: 0 }, { localPort: 2059, inode: 2044, drops: 1763 }]);
    const udp6 = [
      '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
      '  101: 00000000000000000000000000000000:18BB 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5555 2 000000003f1e9ec2 42',
    ].join('\n');
    assert.deepEqual(parseProcNetUdp(udp6), [{ localPort: 6331, inode: 5555, drops: 42 }]);
  });

  it('RcvbufErrors of Udp (by column name) plus Udp6RcvbufErrors; undefined when neither is there', () => {
    const snmp = 'Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\nUdp: 16874 10 7 119064 5 0 0 0 0\nUdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors\nUdpLite: 0 0 0 0 99\n';
    assert.equal(parseRcvbufErrors(snmp, 'Udp6InErrors 3\nUdp6RcvbufErrors                \t2\n'), 7);
    assert.equal(parseRcvbufErrors(snmp, ''), 5);
    assert.equal(parseRcvbufErrors('', ''), undefined);
  });
});
