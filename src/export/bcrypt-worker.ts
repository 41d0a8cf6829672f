/**
 * Worker thread of BcryptVerifier (bcrypt-verifier.ts): checks one password against one bcrypt
 * hash per message, synchronously (this thread does nothing else), and answers `{ id, ok }`.
 */
import { parentPort } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

parentPort!.on('message', (m: { id: number; password: string; hash: string }) => {
  let ok = false;
  try {
    ok = bcrypt.compareSync(m.password, m.hash);
  } catch {
    ok = false;
  }
  parentPort!.postMessage({ id: m.id, ok });
});
