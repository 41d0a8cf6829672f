import { loadNetworksFile, NetworksFileError, parseNetworks } from './networks-file.ts';
import { NetworkTables } from './network-tables.ts';
import { PrefixTrie } from './prefix-trie.ts';

/**
 * Builds the prefix tables from the configuration: `localNetworks` (CIDR list) and the networks
 * file (path, or '' for none). Throws NetworksFileError with a one-line message.
 */
export function loadNetworkTables(localNetworks: readonly string[], networksFile: string): NetworkTables {
  let local: PrefixTrie | undefined;
  if (localNetworks.length > 0) {
    try {
      local = PrefixTrie.build(parseNetworks(localNetworks.join('\n'), 'accounting.localNetworks'));
    } catch (err) {
      if (!(err instanceof NetworksFileError)) throw err;
      // "accounting.localNetworks:2: ..." names the list entry.
      throw new NetworksFileError(err.message.replace(/^accounting\.localNetworks:(\d+):/, 'accounting.localNetworks entry $1:'), { cause: err });
    }
  }
  return new NetworkTables(local, networksFile ? loadNetworksFile(networksFile) : undefined);
}

export { NetworksFileError };
