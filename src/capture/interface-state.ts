import { readFileSync } from 'node:fs';

const IFF_UP = 0x1;

/** What the kernel says about an interface now (/sys/class/net). */
export interface InterfaceState {
  exists: boolean;
  /** Kernel ifindex (changes when an interface is deleted and created again); -1 if missing. */
  ifindex: number;
  /** Administratively up (IFF_UP). */
  up: boolean;
}

/**
 * Reads the state of `name`. Pseudo-devices libpcap knows that sysfs does not (`any`) are
 * reported as existing and up.
 */
export function interfaceState(name: string): InterfaceState {
  if (name === 'any') return { exists: true, ifindex: 0, up: true };
  try {
    const ifindex = Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8').trim());
    const flags = Number.parseInt(readFileSync(`/sys/class/net/${name}/flags`, 'utf8').trim(), 16);
    return { exists: true, ifindex, up: (flags & IFF_UP) !== 0 };
  } catch {
    return { exists: false, ifindex: -1, up: false };
  }
}
