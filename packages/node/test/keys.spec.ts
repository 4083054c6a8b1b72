/**
 * File key grants between real nodes over TCP on 127.0.0.1: push to recipients,
 * refusal of grants for someone else, delivery to a recipient that comes online later,
 * fetch from the sender, no existence oracle for strangers, revoke, hostile messages.
 */
import assert from 'node:assert/strict'
import { type Socket, createServer } from 'node:net'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Peer, PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import {
  KEYS_PROTOCOL,
  MAX_KEYS_MESSAGE_BYTES,
  WRAPPED_FILE_KEY_LENGTH,
  decodeKeysResponse,
  encodeKeysRequest,
  fileIdOf,
  formatFileId,
  parseFileId
} from '@peershare/protocol'
import { DEFAULTS } from '../src/config.js'
import { WRAPPED_KEY_LENGTH, fileCipher, newFileKey, newSalt, sealMetadata, wrapFileKey } from '../src/encryption/index.js'
import { type NodeInit, PeershareNode } from '../src/index.js'
import { signGrant } from '../src/keys/index.js'
import { loadIdentity } from '../src/repo.js'
import { requestOnce } from '../src/rpc/request-response.js'
import { type EncryptedFile, storeEncryptedFile } from './encrypted-file.js'
import { LOOPBACK_TCP, type TestDir, dialAddress, randomFile, startTestNode, tempDir, until } from './fixtures.js'

/** Polls an async condition (deliveries travel over the network: no fixed wait) */
async function eventually (check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  await until(check, timeoutMs)
}

/** What a node's peer store holds of a peer, or undefined before it holds anything (get throws NotFoundError then) */
async function storedPeer (node: PeershareNode, peer: PeerId): Promise<Peer | undefined> {
  return await node.libp2p.peerStore.has(peer) ? await node.libp2p.peerStore.get(peer) : undefined
}

/** One raw request of the key protocol from `from` to `to`: the response bytes as sent */
async function rawRequest (from: PeershareNode, to: PeerId, request: Uint8Array): Promise<Uint8Array> {
  const frame = await requestOnce(from.libp2p, to, request, { protocol: KEYS_PROTOCOL, maxResponseBytes: MAX_KEYS_MESSAGE_BYTES, timeout: 10_000 })
  return frame.subarray()
}

describe('file key grants (real nodes)', function () {
  this.timeout(120_000)
  let dir: TestDir
  let sender: PeershareNode
  let r1: PeershareNode
  let r2: PeershareNode
  let stranger: PeershareNode
  let senderKey: PrivateKey
  let file: EncryptedFile
  const nodes: PeershareNode[] = []

  const start = async (name: string): Promise<PeershareNode> => {
    const node = await startTestNode(join(dir.path, name))
    nodes.push(node)
    return node
  }

  before(async () => {
    dir = await tempDir('peershare-keys-')
    sender = await start('sender')
    r1 = await start('r1')
    r2 = await start('r2')
    stranger = await start('stranger')
    senderKey = await loadIdentity(sender.paths)
    for (const node of [r1, r2, stranger]) await node.connect(multiaddr(dialAddress(sender)))
    for (const node of [r1, r2]) await stranger.connect(multiaddr(dialAddress(node)))
    file = await storeEncryptedFile(sender, 'quarterly report.pdf')
  })

  after(async () => {
    for (const node of nodes) await node.stop().catch(() => {})
    await dir?.cleanup()
  })

  it('grants a file to two recipients: each gets the key by push, unwrapped, with the sealed name in its inbox', async () => {
    assert.equal(WRAPPED_FILE_KEY_LENGTH, WRAPPED_KEY_LENGTH)
    const grants = await sender.keys.grant(file.fileId, [r1.peerId, r2.peerId])
    assert.deepEqual(grants.map(g => [g.peer, g.kind, g.state]), [[r1.peerId.toString(), 'file-key', 'delivered'], [r2.peerId.toString(), 'file-key', 'delivered']])
    for (const node of [r1, r2]) {
      assert.deepEqual((await node.fileKeys.get(file.fileId))?.key, file.key)
      const [entry] = await node.keys.inbox()
      assert.deepEqual(
        [entry.fileId, entry.from, entry.kind, entry.name, entry.plaintextSize, entry.size, entry.downloaded],
        [file.fileId, sender.peerId.toString(), 'file-key', 'quarterly report.pdf', 3000, file.manifest.size, false]
      )
    }
    assert.equal(sender.keys.mayAccess(file.fileId, r1.peerId), true)
    assert.equal(sender.keys.mayAccess(file.fileId, stranger.peerId), false)
    assert.deepEqual(sender.keys.status(), { grants: 2, pendingDeliveries: 0, inbox: 0 })
    // granting again changes nothing
    assert.deepEqual((await sender.keys.grant(file.fileId, [r1.peerId])).map(g => g.state), ['delivered'])
  })

  it('refuses a grant for another peer, pushed by its sender or replayed by a third party, and forged or broken ones', async () => {
    const other = await storeEncryptedFile(sender, 'other.txt')
    const fileId = parseFileId(other.fileId)
    const inbox = { size: other.manifest.size, encryption: other.manifest.encryption }
    const base = { fileId: other.fileId, sender: sender.peerId.toString(), keyType: 1, seq: 1n, time: Date.now(), inbox }
    const forR1 = await signGrant({ ...base, recipient: r1.peerId.toString(), wrappedKey: await wrapFileKey(other.key, fileId.bytes, r1.peerId) }, senderKey)
    // addressed to r2 but wrapped for r1: the key does not open
    const misWrapped = await signGrant({ ...base, recipient: r2.peerId.toString(), wrappedKey: await wrapFileKey(other.key, fileId.bytes, r1.peerId) }, senderKey)
    // the key opens, the sealed metadata it carries does not (made under another key)
    const wrongMeta = await signGrant({
      ...base,
      recipient: r2.peerId.toString(),
      wrappedKey: await wrapFileKey(other.key, fileId.bytes, r2.peerId),
      inbox: { ...inbox, encryption: sealMetadata(fileCipher(newFileKey(), newSalt()), { name: 'x', mimeType: '', size: 1, sha256: new Uint8Array(32) }) }
    }, senderKey)
    // its signature changed
    const forged = new Uint8Array(forR1.envelope)
    forged[forged.byteLength - 1] ^= 1
    for (const [from, envelope] of [[sender, forR1.envelope], [stranger, forR1.envelope], [stranger, misWrapped.envelope], [sender, wrongMeta.envelope], [stranger, forged]] as const) {
      const answer = decodeKeysResponse(await rawRequest(from, r2.peerId, encodeKeysRequest({ push: [envelope] })))
      assert.deepEqual(answer, { grants: [], results: ['refused'] })
    }
    assert.equal(await r2.fileKeys.get(other.fileId), undefined)
    assert.deepEqual((await r2.keys.inbox()).map(e => e.fileId), [file.fileId])
    // replayed to its own recipient by a third party, it is what it was: accepted
    const replay = decodeKeysResponse(await rawRequest(stranger, r1.peerId, encodeKeysRequest({ push: [forR1.envelope] })))
    assert.deepEqual(replay, { grants: [], results: ['accepted'] })
    assert.deepEqual((await r1.fileKeys.get(other.fileId))?.key, other.key)
  })

  it('delivers to a recipient that was offline once it comes back, with no action on either side', async () => {
    const later = await start('later')
    await later.connect(multiaddr(dialAddress(sender)))
    const laterId = later.peerId
    await later.stop()
    nodes.splice(nodes.indexOf(later), 1)
    const [pending] = await sender.keys.grant(file.fileId, [laterId])
    assert.equal(pending.state, 'pending')
    assert.equal(sender.keys.status().pendingDeliveries, 1)
    assert.equal(sender.keys.mayAccess(file.fileId, laterId), true)

    // the same repo again: it rejoins the peers it remembers, the sender pushes on identify
    const back = await PeershareNode.create({ repo: join(dir.path, 'later'), listen: LOOPBACK_TCP, inboundConnectionsPerHostPerSecond: 1000 })
    nodes.push(back)
    await back.start()
    await eventually(async () => (await back.fileKeys.get(file.fileId)) != null)
    assert.deepEqual((await back.fileKeys.get(file.fileId))?.key, file.key)
    await eventually(async () => sender.keys.grants().find(g => g.peer === laterId.toString())?.state === 'delivered')
    assert.equal(sender.keys.status().pendingDeliveries, 0)
  })

  it('a recipient that reconnects while a push to its old address hangs gets a push right after it, not at the next retry', async () => {
    // no timer retry within the test: only the reconnect can deliver
    const patient = await startTestNode(join(dir.path, 'patient'), { dialTimeout: 30_000, keys: { retryInterval: 10 * 60_000 } })
    nodes.push(patient)
    const patientFile = await storeEncryptedFile(patient, 'moved.txt')
    const mover = await start('mover')
    await mover.connect(multiaddr(dialAddress(patient)))
    const moverId = mover.peerId
    const oldPort = Number(multiaddr(dialAddress(mover)).getComponents().find(c => c.name === 'tcp')?.value)
    // the sender knows the old address once it has identified the mover (connect returns before that)
    await eventually(async () => ((await storedPeer(patient, moverId))?.addresses.length ?? 0) > 0)
    await mover.stop()
    nodes.splice(nodes.indexOf(mover), 1)
    await eventually(async () => patient.libp2p.getConnections(moverId).length === 0)

    // its old address now accepts connections and never answers: the push to it hangs
    const hanging = new Set<Socket>()
    const blackhole = createServer(socket => { hanging.add(socket) })
    await new Promise<void>(resolve => blackhole.listen(oldPort, '127.0.0.1', resolve))
    try {
      const granting = patient.keys.grant(patientFile.fileId, [moverId])
      await eventually(async () => hanging.size > 0)
      const identified = new Promise<void>(resolve => {
        patient.libp2p.addEventListener('peer:identify', evt => { if (evt.detail.peerId.equals(moverId)) resolve() })
      })
      // back on a new port: it rejoins the peers it remembers, the sender sees it identify during the push
      const back = await PeershareNode.create({ repo: join(dir.path, 'mover'), listen: LOOPBACK_TCP, inboundConnectionsPerHostPerSecond: 1000 })
      nodes.push(back)
      await back.start()
      await identified
      // now the push to the old address fails
      for (const socket of hanging) socket.destroy()
      await granting
      await eventually(async () => (await back.fileKeys.get(patientFile.fileId)) != null)
      await eventually(async () => patient.keys.grants().find(g => g.peer === moverId.toString())?.state === 'delivered')
    } finally {
      for (const socket of hanging) socket.destroy()
      blackhole.close()
    }
  })

  it('a recipient whose libp2p redials us at start, before it serves the key protocol, gets the push once it does', async () => {
    // no timer retry within the test: only the connection can deliver
    const waiting = await startTestNode(join(dir.path, 'waiting'), { keys: { retryInterval: 10 * 60_000 } })
    nodes.push(waiting)
    const waitingFile = await storeEncryptedFile(waiting, 'early.txt')
    const early = await start('early')
    await early.connect(multiaddr(dialAddress(waiting)))
    // kad-dht tags its closest peers keep-alive: libp2p itself redials them at start, before our services register
    await eventually(async () => [...((await storedPeer(early, waiting.peerId))?.tags.keys() ?? [])].some(tag => tag.startsWith('keep-alive')))
    const earlyId = early.peerId
    await early.stop()
    nodes.splice(nodes.indexOf(early), 1)
    await eventually(async () => waiting.libp2p.getConnections(earlyId).length === 0)
    const [pending] = await waiting.keys.grant(waitingFile.fileId, [earlyId])
    assert.equal(pending.state, 'pending')

    const back = await PeershareNode.create({ repo: join(dir.path, 'early'), listen: LOOPBACK_TCP, inboundConnectionsPerHostPerSecond: 1000 })
    nodes.push(back)
    await back.start()
    await eventually(async () => (await back.fileKeys.get(waitingFile.fileId)) != null)
    await eventually(async () => waiting.keys.grants().find(g => g.peer === earlyId.toString())?.state === 'delivered')
  })

  /**
   * A sender (with `keys` settings) connected to a recipient that takes one key request
   * per `windowMs`: the sender's own fetch uses it up, so the grant made then is refused
   */
  const refusedGrant = async (name: string, keys: NodeInit['keys'], windowMs: number) => {
    const sender = await startTestNode(join(dir.path, name), { keys })
    nodes.push(sender)
    const recipient = await startTestNode(join(dir.path, `${name}-recipient`), { keys: { requestsPerPeer: 1, requestsWindow: windowMs } })
    nodes.push(recipient)
    await sender.connect(multiaddr(dialAddress(recipient)))
    const file = await storeEncryptedFile(sender, `${name}.txt`)
    decodeKeysResponse(await rawRequest(sender, recipient.peerId, encodeKeysRequest({ fetch: parseFileId(file.fileId) })))
    const [pending] = await sender.keys.grant(file.fileId, [recipient.peerId])
    return { sender, recipient, file, pending }
  }

  it('retries on its backoff timer a grant its recipient refused for now', async () => {
    const { sender, recipient, file, pending } = await refusedGrant('quick', { retryInterval: 200, maxRetryInterval: 400 }, 4_000)
    assert.deepEqual([pending.state, pending.attempts], ['pending', 1])
    assert.match(pending.lastError ?? '', /rate-limited/)
    // no connection event comes: only the timer pushes again
    await eventually(async () => (await recipient.fileKeys.get(file.fileId)) != null)
    await eventually(async () => sender.keys.grants()[0].state === 'delivered')
  })

  it('a connected recipient that refuses for now is tried again each retryInterval: no doubled backoff', async () => {
    const retryInterval = 300
    const { sender, recipient } = await refusedGrant('steady', { retryInterval, maxRetryInterval: 10 * 60_000 }, 60_000)
    const grant = () => sender.keys.grants().find(g => g.peer === recipient.peerId.toString())
    await eventually(async () => (grant()?.attempts ?? 0) >= 4)
    // doubling would have put the 5th try 300 * 2^3 ms after the 4th refusal
    const { state, nextAttempt, lastError } = grant() ?? {}
    assert.equal(state, 'pending')
    assert.match(lastError ?? '', /rate-limited/)
    assert.ok((nextAttempt ?? Infinity) <= Date.now() + retryInterval, `next try in ${(nextAttempt ?? Infinity) - Date.now()} ms`)
  })

  it('a recipient that lost or missed the push fetches its grant from the sender', async () => {
    const fetched = decodeKeysResponse(await rawRequest(r1, sender.peerId, encodeKeysRequest({ fetch: parseFileId(file.fileId) })))
    assert.equal(fetched.refused, undefined)
    assert.equal(fetched.refused == null && fetched.grants.length, 1)
    await r1.fileKeys.delete(file.fileId)
    const held = await r1.keys.fetchKey(file.fileId, [stranger.peerId, sender.peerId])
    assert.deepEqual(held.key, file.key)
    assert.equal(held.from, sender.peerId.toString())
    // nobody holds a grant of this file for the stranger
    await assert.rejects(stranger.keys.fetchKey(file.fileId, [sender.peerId, r1.peerId]), { name: 'NoFileKeyError' })
  })

  it('answers a stranger exactly as for a file that does not exist', async () => {
    const missing = formatFileId(await fileIdOf({ ...file.manifest, sha256: new Uint8Array(32) }))
    const granted = await rawRequest(stranger, sender.peerId, encodeKeysRequest({ fetch: parseFileId(file.fileId) }))
    const unknown = await rawRequest(stranger, sender.peerId, encodeKeysRequest({ fetch: parseFileId(missing) }))
    assert.deepEqual(granted, unknown)
    assert.deepEqual(decodeKeysResponse(granted), { grants: [], results: [] })
  })

  it('revoke: the grant is no longer served to that peer nor counted by mayAccess', async () => {
    const revoked = await sender.keys.revoke(file.fileId, r2.peerId)
    assert.equal(revoked.state, 'revoked')
    assert.equal(sender.keys.mayAccess(file.fileId, r2.peerId), false)
    assert.equal(sender.keys.mayAccess(file.fileId, r1.peerId), true)
    const missing = formatFileId(await fileIdOf({ ...file.manifest, sha256: new Uint8Array(32).fill(1) }))
    const now = await rawRequest(r2, sender.peerId, encodeKeysRequest({ fetch: parseFileId(file.fileId) }))
    assert.deepEqual(now, await rawRequest(r2, sender.peerId, encodeKeysRequest({ fetch: parseFileId(missing) })))
    await assert.rejects(sender.keys.revoke(file.fileId, r2.peerId), { name: 'GrantNotFoundError' })
    // granting again makes a new grant, delivered again
    assert.deepEqual((await sender.keys.grant(file.fileId, [r2.peerId])).map(g => g.state), ['delivered'])
    assert.equal(sender.keys.mayAccess(file.fileId, r2.peerId), true)
  })

  it('grants made at once meet maxPendingGrants: past it they are refused, not all taken', async () => {
    const limited = await startTestNode(join(dir.path, 'limited'), { keys: { ...DEFAULTS.keys, maxPendingGrants: 3 } })
    nodes.push(limited)
    // an encrypted file: each grant wraps its key for the recipient, an await between the check and the grant's record
    const encrypted = await storeEncryptedFile(limited, 'limited.bin')
    // peers that are nowhere: their grants stay pending
    const recipients = await Promise.all(Array.from({ length: 6 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))))
    const results = await Promise.allSettled(recipients.map(async p => limited.keys.grant(encrypted.fileId, [p], { background: true })))
    assert.equal(results.filter(r => r.status === 'fulfilled').length, 3)
    for (const r of results) if (r.status === 'rejected') assert.equal(r.reason.name, 'GrantLimitError')
  })

  it('grants a plaintext file as a permission, and refuses what cannot be granted', async () => {
    const shared = await sender.share(await randomFile(dir.path, 'plain notes.txt', 2000))
    const [grant] = await sender.keys.grant(shared.fileId, [r1.peerId])
    assert.deepEqual([grant.kind, grant.state], ['permission', 'delivered'])
    const entry = (await r1.keys.inbox()).find(e => e.fileId === shared.fileId)
    assert.deepEqual([entry?.kind, entry?.name, entry?.size], ['permission', 'plain notes.txt', 2000])
    assert.equal(sender.keys.mayAccess(shared.fileId, r1.peerId), true)

    const keyless = await storeEncryptedFile(sender, 'no key.bin', { withoutKey: true })
    await assert.rejects(sender.keys.grant(keyless.fileId, [r1.peerId]), { name: 'NoFileKeyError' })
    await assert.rejects(sender.keys.grant(shared.fileId, [sender.peerId]), { name: 'BadRequestError' })
    const unknown = formatFileId(await fileIdOf({ ...file.manifest, sha256: new Uint8Array(32).fill(2) }))
    await assert.rejects(sender.keys.grant(unknown, [r1.peerId]), { name: 'FileNotFoundError' })
  })

  it('refuses malformed and oversized requests and keeps serving', async () => {
    const garbage = decodeKeysResponse(await rawRequest(stranger, sender.peerId, new Uint8Array([0x0a, 0x05, 1, 2])))
    assert.deepEqual(garbage, { refused: 'bad-request' })
    const empty = decodeKeysResponse(await rawRequest(stranger, sender.peerId, new Uint8Array(0)))
    assert.deepEqual(empty, { refused: 'bad-request' })
    // over the limit at its length prefix: refused unread
    const oversized = decodeKeysResponse(await rawRequest(stranger, sender.peerId, new Uint8Array(MAX_KEYS_MESSAGE_BYTES + 1)))
    assert.deepEqual(oversized, { refused: 'bad-request' })
    // the server still answers, the same peer included
    const fine = decodeKeysResponse(await rawRequest(stranger, sender.peerId, encodeKeysRequest({ fetch: parseFileId(file.fileId) })))
    assert.deepEqual(fine, { grants: [], results: [] })
    const own = decodeKeysResponse(await rawRequest(r1, sender.peerId, encodeKeysRequest({ fetch: parseFileId(file.fileId) })))
    assert.equal(own.refused == null && own.grants.length, 1)
  })

  it('refuses a peer past its request rate, and only that peer', async () => {
    const strict = await startTestNode(join(dir.path, 'strict'), { keys: { requestsPerPeer: 2, requestsWindow: 60_000 } })
    nodes.push(strict)
    await stranger.connect(multiaddr(dialAddress(strict)))
    await r1.connect(multiaddr(dialAddress(strict)))
    const fetch = encodeKeysRequest({ fetch: parseFileId(file.fileId) })
    const answers = []
    for (let i = 0; i < 3; i++) answers.push(decodeKeysResponse(await rawRequest(stranger, strict.peerId, fetch)))
    assert.deepEqual(answers, [{ grants: [], results: [] }, { grants: [], results: [] }, { refused: 'rate-limited' }])
    assert.deepEqual(decodeKeysResponse(await rawRequest(r1, strict.peerId, fetch)), { grants: [], results: [] })
  })

  it('a key granted by a peer lying about a file gives way to the sender\'s once the manifest is here', async () => {
    const victim = await start('victim')
    for (const node of [sender, stranger]) await victim.connect(multiaddr(dialAddress(node)))
    const liarKey = await loadIdentity(stranger.paths)
    const fake = newFileKey()
    const lie = await signGrant({
      fileId: file.fileId,
      sender: stranger.peerId.toString(),
      recipient: victim.peerId.toString(),
      keyType: 1,
      wrappedKey: await wrapFileKey(fake, parseFileId(file.fileId).bytes, victim.peerId),
      seq: 1n,
      time: Date.now(),
      inbox: { size: file.manifest.size, encryption: sealMetadata(fileCipher(fake, newSalt()), { name: 'not it', mimeType: '', size: 1, sha256: new Uint8Array(32) }) }
    }, liarKey)
    const push = async (): Promise<unknown> => decodeKeysResponse(await rawRequest(stranger, victim.peerId, encodeKeysRequest({ push: [lie.envelope] })))
    // without the manifest the node cannot tell: the first key stays, the real one goes to the inbox only
    assert.deepEqual(await push(), { grants: [], results: ['accepted'] })
    await sender.keys.grant(file.fileId, [victim.peerId])
    assert.deepEqual((await victim.fileKeys.get(file.fileId))?.key, fake)
    assert.equal((await victim.keys.inbox()).length, 2)

    // the ciphertext downloaded (verified against the file id): the lie no longer opens it
    await victim.get(file.fileId, { from: sender.peerId, output: join(dir.path, 'victim-ciphertext.bin') })
    const held = await victim.keys.fetchKey(file.fileId, [sender.peerId])
    assert.deepEqual([held.key, held.from], [file.key, sender.peerId.toString()])
    // and a grant that does not match the stored manifest is refused outright
    assert.deepEqual(await push(), { grants: [], results: ['refused'] })
  })

  it('a grant pushed out of a full inbox takes its key along, unless the file is here (Known gaps 19)', async () => {
    const small = await startTestNode(join(dir.path, 'small-inbox'), { keys: { maxInboxEntries: 2 } })
    nodes.push(small)
    await small.connect(multiaddr(dialAddress(stranger)))
    const [kept, gone, third, fourth] = await Promise.all(['kept', 'gone', 'third', 'fourth'].map(async name => storeEncryptedFile(stranger, `${name}.bin`)))
    const grant = async (f: EncryptedFile): Promise<void> => {
      assert.deepEqual((await stranger.keys.grant(f.fileId, [small.peerId])).map(g => g.state), ['delivered'])
    }
    // the first file granted is fetched (held, as ciphertext): its key stays whatever the inbox does
    await grant(kept)
    await small.hold(kept.fileId, { from: stranger.peerId })
    await grant(gone)
    assert.equal((await small.keys.inbox()).length, 2)
    // each grant past the bound drops the oldest entry: kept's, then gone's
    await grant(third)
    await grant(fourth)
    assert.deepEqual((await small.keys.inbox()).map(e => e.fileId).sort(), [third.fileId, fourth.fileId].sort())
    assert.deepEqual((await small.fileKeys.get(kept.fileId))?.key, kept.key, 'a stored file keeps its key')
    assert.equal(await small.fileKeys.get(gone.fileId), undefined, 'a file never fetched loses its key with its grant')
    for (const f of [third, fourth]) assert.deepEqual((await small.fileKeys.get(f.fileId))?.key, f.key)

    // a contact's key stays though its grant is pushed out (a flood from fresh peer ids must not take it)
    await small.connect(multiaddr(dialAddress(sender)))
    await small.contacts.add(sender.peerId)
    const fromContact = await storeEncryptedFile(sender, 'from a contact.bin')
    assert.deepEqual((await sender.keys.grant(fromContact.fileId, [small.peerId])).map(g => g.state), ['delivered'])
    for (const name of ['fifth', 'sixth']) await grant(await storeEncryptedFile(stranger, `${name}.bin`))
    assert.ok(!(await small.keys.inbox()).some(e => e.fileId === fromContact.fileId), 'its grant left the inbox')
    assert.deepEqual((await small.fileKeys.get(fromContact.fileId))?.key, fromContact.key)
  })

  it('keeps grants and the inbox across a restart', async () => {
    const before = sender.keys.grants()
    const inbox = await r1.keys.inbox()
    await sender.stop()
    nodes.splice(nodes.indexOf(sender), 1)
    sender = await PeershareNode.create({ repo: join(dir.path, 'sender'), listen: LOOPBACK_TCP, inboundConnectionsPerHostPerSecond: 1000 })
    nodes.push(sender)
    await sender.start()
    assert.deepEqual(sender.keys.grants(), before)
    assert.equal(sender.keys.mayAccess(file.fileId, r1.peerId), true)
    assert.equal(sender.quarantine.count, 0)
    assert.equal(inbox.length >= 2, true)
  })
})
