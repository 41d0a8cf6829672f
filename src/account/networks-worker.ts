/**
 * Worker thread of NetworksFileLoader (networks-loader.ts): loads the networks file named in each
 * message and answers with the trie's parts (buffers transferred, not copied), or the error line.
 */
import { parentPort } from 'node:worker_threads';
import { loadNetworksFile } from './networks-file.ts';

parentPort!.on('message', (m: { path: string }) => {
  try {
    const { parts, transfer } = loadNetworksFile(m.path).parts();
    parentPort!.postMessage({ parts }, transfer);
  } catch (err) {
    parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
});
