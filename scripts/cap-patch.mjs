// otelacct's patch of the `cap` addon's source (cap 0.2.1, node_modules/cap/src/binding.cc),
// applied by scripts/build-native.mjs before cap is rebuilt. Each hunk replaces text that must
// occur exactly once; the source must hash to PRISTINE before and to PATCHED after, so a
// different cap fails the install loudly instead of building something unchecked. Re-running
// on an already patched file is a no-op.
//
// What it changes, and why (issue 12; a workaround is a debt: see docs/design-capture.md):
//  1. Lifecycle. cap's close() stops its libuv poll handle but never uv_close()s it, so when the
//     garbage collector later frees the closed object, libuv's handle list still points into
//     freed memory; and the destructor, run from V8's weak callback inside a GC, emits the
//     async_hooks destroy event, which calls into Node where that is not allowed (segfault in
//     AsyncWrap::EmitDestroy, at the latest when the isolate is torn down). Now close()
//     uv_close()s the handle and keeps the object referenced until libuv is done with it; the
//     async resource is created when a capture opens and destroyed by close(), which runs from
//     JavaScript; the GC-run destructor only frees memory. A Cap opens once (open() again on
//     the same object throws; cap's own re-open path re-initialised a live handle).
//  2. No immediate mode: cap turned on libpcap's immediate mode on Linux (a wake-up per packet).
//     Without it TPACKET_V3 hands packets over a block at a time (docs/performance.md). This
//     replaces building cap with -U__linux__, which also changed what the V8/libuv headers
//     declare inside cap's object file.
//  3. A failed poll (the interface went away) ends the capture instead of failing an assert
//     that aborted the process (this replaces building with -DNDEBUG, which removed every assert).
//  4. The packet event carries the wire length (pcap_pkthdr.len) as a 4th argument, and open()
//     takes the snapshot length as an optional 5th argument (cap always asked for 65535).
//  5. The addon exports `otelacctPatch` (= PATCH_LEVEL) so otelacct can refuse an unpatched build.
//  6. No plain-text `Warning: ... - This may not actually work` on stderr when an interface has no
//     IPv4 address (mirror ports usually have none; otelacct's logs are JSON lines, issue 12).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PATCH_LEVEL = 2;
export const PRISTINE = 'f5912602f66bb33d1381982c85234c3e3e6fccc4e26a77ef25d4169d0112cdbc';
export const PATCHED = 'af061778544cbae3b44a26c0823b8af60548373babc0461cc419a123abcd3d26';

/** [what cap has, what otelacct builds], in file order. */
export const HUNKS = [
  [`    Nan::Persistent<Function> Emit;
    Nan::AsyncResource async_res;
    bool closing;`,
  `    Nan::Persistent<Function> Emit;
    // otelacct: created by Open, destroyed by close() (from JS): never from the GC.
    Nan::AsyncResource *async_res;
    bool closing;
    bool polling;`],
  [`    Pcap() : async_res("cap:packet") {
      pcap_handle = nullptr;`,
  `    Pcap() : async_res(nullptr) {
      polling = false;
      pcap_handle = nullptr;`],
  [`#else
        uv_poll_stop(&poll_handle);
#endif
        closing = true;
        cleanup();`,
  `#else
        // otelacct: uv_close, so libuv forgets the handle before this object can be freed;
        // the object stays referenced until cb_closed.
        if (polling)
          uv_close((uv_handle_t*)&poll_handle, cb_closed);
#endif
        closing = true;
        if (async_res) {
          delete async_res;
          async_res = nullptr;
        }
        cleanup();`],
  [`        buffer_data = nullptr;
        buffer_length = 0;
        Unref();
      }
    }`,
  `        buffer_data = nullptr;
        buffer_length = 0;
      }
    }

    static void cb_closed(uv_handle_t* handle) {
      Pcap *obj = (Pcap*)handle->data;
      obj->polling = false;
      obj->Unref();
    }`],
  [`      Local<Value> emit_argv[3] = {
        Nan::New<String>(packet_symbol),
        Nan::New<Number>(copy_len),
        Nan::New<Boolean>(truncated)
      };
      obj->async_res.runInAsyncScope(
        Nan::New<Object>(obj->persistent()),
        Nan::New<Function>(obj->Emit),
        3,`,
  `      Local<Value> emit_argv[4] = {
        Nan::New<String>(packet_symbol),
        Nan::New<Number>(copy_len),
        Nan::New<Boolean>(truncated),
        Nan::New<Number>(pkt_hdr->len)
      };
      obj->async_res->runInAsyncScope(
        Nan::New<Object>(obj->persistent()),
        Nan::New<Function>(obj->Emit),
        4,`],
  [`    static void cb_packets(uv_poll_t* handle, int status, int events) {
      assert(status == 0);
      Pcap *obj = (Pcap*)handle->data;`,
  `    static void cb_packets(uv_poll_t* handle, int status, int events) {
      // otelacct: libuv has stopped the handle (the interface went away); the owner reopens.
      if (status != 0)
        return;
      Pcap *obj = (Pcap*)handle->data;`],
  [`      if (obj->pcap_handle)
        obj->close();

      if (info.Length() < 4)`,
  `      if (obj->pcap_handle || obj->closing)
        return Nan::ThrowError("otelacct: a Cap opens once; create a new one");

      if (info.Length() < 4)`],
  [`      Nan::Utf8String device(info[0]);`,
  `      int snaplen = 65535;
      if (info.Length() >= 5) {
        if (!info[4]->IsUint32())
          return Nan::ThrowTypeError("snaplen must be a positive integer");
        snaplen = Nan::To<int32_t>(info[4]).FromJust();
      }

      Nan::Utf8String device(info[0]);`],
  [`      if (pcap_set_snaplen(obj->pcap_handle, 65535) != 0)`,
  `      if (pcap_set_snaplen(obj->pcap_handle, snaplen) != 0)`],
  [`#if __linux__
      if (set_immediate_mode != nullptr)
        set_immediate_mode(obj->pcap_handle, 1);
#endif
`,
  `      // otelacct: no immediate mode (packets are handed over a block at a time).
`],
  [`      r = uv_poll_start(&obj->poll_handle, UV_READABLE, cb_packets);
      assert(r == 0);
      obj->poll_handle.data = obj;
#endif

      obj->Ref();`,
  `      obj->poll_handle.data = obj;
      r = uv_poll_start(&obj->poll_handle, UV_READABLE, cb_packets);
      assert(r == 0);
      obj->polling = true;
#endif

      obj->async_res = new Nan::AsyncResource("cap:packet");
      obj->Ref();`],
  [`      emit_symbol.Reset(Nan::New<String>("emit").ToLocalChecked());`,
  `      Nan::Set(target, Nan::New<String>("otelacctPatch").ToLocalChecked(),
               Nan::New<Number>(${PATCH_LEVEL}));

      emit_symbol.Reset(Nan::New<String>("emit").ToLocalChecked());`],
  [`        fprintf(stderr, "Warning: %s - This may not actually work\\n", errbuf);`,
  `        // otelacct: no plain-text line on stderr (an interface without an IPv4 address, e.g. a
        // mirror port, is normal; otelacct's logs are JSON lines).`],
];

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/** Applies the hunks to `source` (throws naming the first hunk that does not match once). */
export function patchSource(source) {
  let out = source;
  for (const [i, [before, after]] of HUNKS.entries()) {
    const at = out.indexOf(before);
    if (at < 0 || out.indexOf(before, at + 1) >= 0) {
      throw new Error(`cap patch hunk ${i + 1} ${at < 0 ? 'not found' : 'found more than once'}: ${JSON.stringify(before.split('\n')[0])}`);
    }
    out = out.slice(0, at) + after + out.slice(at + before.length);
  }
  return out;
}

/**
 * Patches `capDir`/src/binding.cc in place; returns 'patched' or 'already patched'. Throws when
 * the file is neither cap 0.2.1's binding.cc nor its patched form.
 */
export function patchCap(capDir) {
  const file = join(capDir, 'src', 'binding.cc');
  const source = readFileSync(file, 'utf8');
  const hash = sha256(source);
  if (hash === PATCHED) return 'already patched';
  if (hash !== PRISTINE) {
    throw new Error(`${file} is not the source otelacct's patch was written for (sha256 ${hash}, expected cap 0.2.1's ${PRISTINE}); update scripts/cap-patch.mjs for this cap version`);
  }
  const patched = patchSource(source);
  if (sha256(patched) !== PATCHED) throw new Error(`${file}: patched source hashes to ${sha256(patched)}, expected ${PATCHED}`);
  writeFileSync(file, patched);
  return 'patched';
}
