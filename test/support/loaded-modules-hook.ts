// Loaded with `node --import` before otelacct's entry point: records every module the process
// loads (file URLs, through a module.registerHooks load hook, and Node's built-ins from
// process.moduleLoadList, undocumented) and writes them, one a line, to $LOADED_MODULES_FILE at exit.
import { writeFileSync } from 'node:fs';
import module from 'node:module';

const file = process.env.LOADED_MODULES_FILE;
if (!file) throw new Error('loaded-modules-hook: LOADED_MODULES_FILE is not set');
const urls: string[] = [];
module.registerHooks({
  load(url, context, next) {
    urls.push(url);
    return next(url, context);
  },
});
process.on('exit', () => {
  const builtins = (process as unknown as { moduleLoadList: string[] }).moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => `node:${m.slice('NativeModule '.length)}`);
  writeFileSync(file, [...urls, ...builtins].join('\n') + '\n');
});
