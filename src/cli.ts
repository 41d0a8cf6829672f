#!/usr/bin/env -S node --max-semi-space-size=2
// otelacct's entry point: turns on Node's compile cache (start-up in about half the time from
// the second run on), then runs main.ts, which holds the wiring and the signals. This file itself
// is stripped of types before it can turn the cache on, which loads Node's TypeScript stripper
// (~0.1 s and ~14 MB): ./otelacct sets NODE_COMPILE_CACHE so that it comes from the cache too (the
// package's bin, dist/src/cli.js, is JavaScript and never loads the stripper).
//
// --max-semi-space-size=2 (MiB; also in ./otelacct, the systemd unit and the image): flushes
// create many short-lived objects, and with V8's default semi-spaces (up to 16 MiB) more of them
// survive into the old generation, which then grows during an address scan. Measured on a
// 3-million-source scan: peak RSS 401 → 290 MB, and slightly faster. It must be a command-line
// flag: set at run time it has no effect.
import module from 'node:module';

// SIGHUP asks for a reload, but main.ts installs its handler only once the pipeline exists (after
// ~0.3 s of imports and set-up), and until then Node's default would end the process. Held here
// from the first line instead, and replayed once to main's handler when it is added (one reload
// re-reads everything: several early requests are one). SIGINT/SIGTERM keep Node's default until
// main takes them: a stop asked before there is anything to stop ends the process at once.
if (process.argv[2] !== 'report') {
  let held = false;
  const hold = () => { held = true; };
  process.on('SIGHUP', hold);
  process.on('newListener', function replay(event: string | symbol) {
    if (event !== 'SIGHUP') return;
    process.off('newListener', replay);
    // After main's listener is in place: never a moment with no SIGHUP listener at all.
    queueMicrotask(() => {
      process.off('SIGHUP', hold);
      if (held) process.emit('SIGHUP', 'SIGHUP');
    });
  });
}

try {
  module.enableCompileCache?.();
} catch {
  // no writable cache directory: start without it
}
await import('./main.ts');
