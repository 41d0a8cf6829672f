/**
 * Hand-made hostile captures the random fuzzer does not reach: more interfaces than the
 * InterfaceRegistry holds (65536), once unnamed and once with an if_name carrying a line break.
 * Either way `otelacct --read` must stop with exactly one stderr line.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CaptureFileError } from '../../src/capture/capture-file.ts';
import { LinkType } from '../../src/decode/link-type.ts';
import { PcapNgWriter } from '../support/pcap-writer.ts';
import { readCapture, TempDir } from '../support/read-capture.ts';
import { runOtelacct } from '../support/run-otelacct.ts';

const dir = new TempDir();
after(() => dir.dispose());

/** A pcapng declaring 65536 unnamed interfaces, then one more named `lastName`. */
function tooManyInterfaces(lastName: string | undefined): Buffer {
  const w = new PcapNgWriter();
  for (let i = 0; i < 65536; i++) w.addInterface({ linkType: LinkType.ETHERNET });
  w.addInterface({ linkType: LinkType.ETHERNET, name: lastName });
  return w.toBuffer();
}

/** Reads `bytes` in process and with the CLI; returns the error message and the CLI's stderr lines. */
async function readBoth(name: string, bytes: Uint8Array): Promise<{ message: string; stderr: string[]; code: number | null }> {
  const path = dir.write(name, bytes);
  const outcome = await readCapture(path);
  assert.ok(outcome.error instanceof CaptureFileError, `expected a CaptureFileError, got ${String(outcome.error)}`);
  const r = await runOtelacct(['--read', path, '--output', 'none']);
  return { message: outcome.error.message, stderr: r.stderr.split('\n').filter((l) => l !== ''), code: r.code };
}

describe('hostile pcapng interface tables', () => {
  it('65537 unnamed interfaces: one-line error naming the registry limit', async () => {
    const { message, stderr, code } = await readBoth('many.pcapng', tooManyInterfaces(undefined));
    assert.match(message, /cannot register interface "many\.pcapng#65536" at byte offset \d+ \(interface registry: more than 65536 interfaces/);
    assert.equal(code, 1);
    assert.deepEqual(stderr, [`otelacct: ${message}`]);
  });

  // Bug: the if_name is put into the message as is, so a file can break the one-line contract
  // (and forge a second "otelacct: ..." line). src/capture/pcapng-section.ts readInterfaceDescription
  // and src/capture/interface-registry.ts register quote the raw name.
  it('an if_name with a line break still gives a one-line error', async () => {
    const { message, stderr, code } = await readBoth('forged.pcapng', tooManyInterfaces('evil\notelacct: all good'));
    assert.equal(code, 1);
    assert.ok(!message.includes('\n'), `message spans lines: ${JSON.stringify(message)}`);
    assert.equal(stderr.length, 1, `stderr lines: ${JSON.stringify(stderr)}`);
  });
});
