import type { PrefixTrie } from './prefix-trie.ts';

/**
 * The prefix tables the per-packet path consults: the local networks (direction, local/remote
 * sides) and the named networks of the networks file (*.network, *.prefix). Both can be replaced
 * while capturing (SIGHUP); whoever replaces one must first flush the flow tables (whose keys
 * hold entry numbers and directions of the tables they were built with), as
 * TrafficMetrics.flush(afterDrain) does.
 */
export class NetworkTables {
  /** accounting.localNetworks, or undefined when none are configured. */
  local: PrefixTrie | undefined;
  /** accounting.networksFile, or undefined when none is configured. */
  named: PrefixTrie | undefined;

  constructor(local: PrefixTrie | undefined, named: PrefixTrie | undefined) {
    this.local = local;
    this.named = named;
  }
}
