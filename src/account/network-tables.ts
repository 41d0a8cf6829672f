import type { PrefixTrie } from './prefix-trie.ts';

/**
 * The prefix tables the per-packet path consults: the local networks (direction, local/remote
 * sides) and the named networks of the networks file (*.network, *.prefix). The named table can
 * be replaced while capturing (SIGHUP); whoever replaces it must first flush the flow tables,
 * whose keys hold entry numbers of the table they were built with.
 */
export class NetworkTables {
  /** accounting.localNetworks, or undefined when none are configured. */
  readonly local: PrefixTrie | undefined;
  /** accounting.networksFile, or undefined when none is configured. */
  named: PrefixTrie | undefined;

  constructor(local: PrefixTrie | undefined, named: PrefixTrie | undefined) {
    this.local = local;
    this.named = named;
  }
}
