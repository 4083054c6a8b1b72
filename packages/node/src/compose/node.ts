/**
 * The Node adapter: the parts a node takes from outside (index.ts) made from the repo
 * folder: its directories (private to the user), the identity file, LevelDB and the
 * blob folder, and libp2p with the daemon's transports.
 */
import type { NodeConfig } from '../config.js'
import { createPeershareLibp2p } from '../libp2p.js'
import { initRepo, loadIdentity } from '../repo.js'
import { FsBlobStore } from '../store/fs-blob-store.js'
import type { NodeParts } from './index.js'
import { RepoDatastore } from './repo-datastore.js'

/** Opens the repo at `config.repo` (creating it on first use) and its datastore */
export async function nodeParts (config: Pick<NodeConfig, 'repo'>): Promise<NodeParts> {
  const paths = await initRepo(config.repo)
  const privateKey = await loadIdentity(paths)
  const datastore = new RepoDatastore(paths.datastore)
  // the datastore's lock is ours now: no other daemon writes blobs in this repo
  await datastore.open()
  const blobs = new FsBlobStore(paths.blobs)
  const freed = await blobs.removeUnfinished()
  if (freed > 0) process.stderr.write(`peershare: deleted ${freed} bytes of blobs a crash left half written in ${paths.blobs}\n`)
  return {
    datastore,
    blobs,
    privateKey,
    createLibp2p: createPeershareLibp2p,
    release: async () => datastore.close()
  }
}
