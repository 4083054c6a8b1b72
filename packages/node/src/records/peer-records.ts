/**
 * libp2p's peer records (`/peers/<peer id>`) are decoded by its peer store, which
 * throws on the first bad one wherever it lists them (our reconnect at start among
 * others). Before libp2p starts, each is read once through the peer store itself and
 * a record it cannot decode is set aside.
 */
import type { PeerStore } from '@libp2p/interface'
import { peerIdFromCID } from '@libp2p/peer-id'
import type { Datastore } from 'interface-datastore'
import { CID } from 'multiformats/cid'
import { base32 } from 'multiformats/bases/base32'
import type { Quarantine } from './quarantine.js'

const PEERS = '/peers/'

/** Sets aside every peer record the peer store cannot read; returns how many */
export async function checkPeerRecords (datastore: Datastore, peerStore: PeerStore, quarantine: Quarantine): Promise<number> {
  let bad = 0
  for await (const key of datastore.queryKeys({ prefix: PEERS })) {
    const reason = await unreadable(key.toString().slice(PEERS.length), peerStore)
    if (reason == null) continue
    await quarantine.setAside([key], `peer record: ${reason}`)
    bad++
  }
  return bad
}

async function unreadable (name: string, peerStore: PeerStore): Promise<string | undefined> {
  try {
    await peerStore.get(peerIdFromCID(CID.parse(name, base32)))
    return undefined
  } catch (err: any) {
    // the record was removed meanwhile: nothing to set aside
    if (err?.name === 'NotFoundError') return undefined
    return err?.message ?? String(err)
  }
}

/**
 * libp2p's peer store reads a peer's record before it merges or patches it, and takes
 * any failure of that read for "no record": with an aborted signal (a dial or a stream
 * given up, libp2p stopping) the read fails, and the write that follows replaces the
 * record with the new fields alone. A node stopped a moment after it connected forgot
 * the address of the peer it had just dialled and reconnected to nobody at its next
 * start (@libp2p/peer-store 12, `#findExistingPeer`). A write to the local store is
 * short and worth finishing: these two run without the caller's signal.
 */
export function keepPeerRecordsWhole (peerStore: PeerStore): void {
  const { merge, patch } = peerStore
  peerStore.merge = async (peerId, data, options) => merge.call(peerStore, peerId, data, withoutSignal(options))
  peerStore.patch = async (peerId, data, options) => patch.call(peerStore, peerId, data, withoutSignal(options))
}

function withoutSignal<T extends { signal?: AbortSignal }> (options: T | undefined): Omit<T, 'signal'> | undefined {
  if (options == null) return undefined
  const { signal: _signal, ...rest } = options
  return rest
}
