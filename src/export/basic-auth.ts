import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import bcrypt from 'bcryptjs';

/**
 * Checks HTTP basic-auth credentials against bcrypt hashes. bcrypt is slow on purpose (tens of
 * ms), so credentials that passed are remembered by a SHA-256 of user, password and hash — a
 * bounded cache, as the Prometheus exporter toolkit does — and a scrape every few seconds costs
 * one hash lookup.
 */
export class BasicAuth {
  readonly #users: ReadonlyMap<string, string>;
  readonly #ok = new Set<string>();

  constructor(users: ReadonlyMap<string, string>) {
    this.#users = users;
  }

  /** Resolves true when the request carries valid credentials. */
  async check(req: IncomingMessage): Promise<boolean> {
    const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return false;
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const hash = this.#users.get(user);
    if (hash === undefined) return false;
    const key = createHash('sha256').update(`${user}\0${password}\0${hash}`).digest('hex');
    if (this.#ok.has(key)) return true;
    if (!(await bcrypt.compare(password, hash))) return false;
    if (this.#ok.size >= 256) this.#ok.clear();
    this.#ok.add(key);
    return true;
  }
}
