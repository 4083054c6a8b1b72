/**
 * Serve-time access (I1, I2, I3 of the reliability anchors): contacts-only and private
 * files against a stranger and a contact, over the real exchange protocol spoken by
 * raw libp2p peers (the bytes on the wire compared), and the catalog and search
 * answers real nodes get. Every decision rests on the Noise-authenticated remote peer.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { EXCHANGE_PROTOCOL, MAX_MESSAGE_BYTES, type Message, decodeMessage, encodeMessage, hexToBytes, isChunkFrame, parseFileId } from '@peershare/protocol'
import { createLibp2p } from 'libp2p'
import { concat } from 'uint8arrays/concat'
import { FramedStream } from '../src/exchange/framed-stream.js'
import type { FileRecord, PeershareNode } from '../src/index.js'
import type { RemoteAnswer } from '../src/search/index.js'
import { dialAddress, randomFile, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

const CHUNK = 16 * 1024

async function rawPeer (): Promise<Libp2p> {
  return createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
}

function varint (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n >>>= 7 }
  out.push(n)
  return Uint8Array.from(out)
}

type Wanted = { fileId: string } | { sha256: string }

function want (wanted: Wanted): Message {
  return 'fileId' in wanted ? { type: 'want', fileId: parseFileId(wanted.fileId) } : { type: 'want', sha256: hexToBytes(wanted.sha256) }
}

/** One Want on a fresh exchange stream: every byte the provider sends until it closes the stream, length prefixes included */
async function rawAnswer (peer: Libp2p, node: PeershareNode, wanted: Wanted): Promise<Uint8Array> {
  const stream = await peer.dialProtocol(multiaddr(dialAddress(node)), EXCHANGE_PROTOCOL)
  const msg = encodeMessage(want(wanted))
  stream.send(concat([varint(msg.byteLength), msg]))
  const parts: Uint8Array[] = []
  for await (const part of stream) {
    parts.push(part.subarray())
    // an Offer means the file is served: enough for the test
    const frame = firstFrame(concat(parts))
    if (frame != null && decodeMessage(frame).type === 'offer') break
  }
  stream.abort(new Error('test done'))
  return concat(parts)
}

/** The first length-prefixed frame of `bytes`, once it is whole */
function firstFrame (bytes: Uint8Array): Uint8Array | undefined {
  let length = 0
  let shift = 0
  let at = 0
  for (; at < bytes.byteLength; at++) {
    length |= (bytes[at] & 0x7f) << shift
    shift += 7
    if ((bytes[at] & 0x80) === 0) break
  }
  const start = at + 1
  return bytes.byteLength >= start + length ? bytes.subarray(start, start + length) : undefined
}

function decoded (raw: Uint8Array): Message {
  const frame = firstFrame(raw)
  assert.ok(frame != null, 'a whole message')
  return decodeMessage(frame)
}

async function session (peer: Libp2p, node: PeershareNode, fileId: string): Promise<FramedStream> {
  const stream = await peer.dialProtocol(multiaddr(dialAddress(node)), EXCHANGE_PROTOCOL)
  const framed = new FramedStream(stream, { maxMessageBytes: MAX_MESSAGE_BYTES, highWaterMark: 1 << 24 })
  await framed.write(encodeMessage(want({ fileId })))
  const offer = await framed.read({ signal: AbortSignal.timeout(10_000) })
  assert.equal(offer == null ? undefined : decodeMessage(offer).type, 'offer')
  return framed
}

/** Requests one chunk; the raw frame answered, with its length prefix (a chunk frame or a message) */
async function requestChunk (framed: FramedStream, index: number): Promise<{ chunk: boolean, raw: Uint8Array }> {
  await framed.write(encodeMessage({ type: 'request', chunks: [index], priority: 'normal' }))
  const frame = await framed.read({ signal: AbortSignal.timeout(10_000) })
  assert.ok(frame != null, 'an answer')
  return { chunk: isChunkFrame(frame), raw: concat([varint(frame.byteLength), frame.subarray()]) }
}

describe('access: contacts-only and private files', function () {
  this.timeout(120_000)
  let dir: TestDir
  let owner: PeershareNode
  let stranger: Libp2p
  let contact: Libp2p
  const files: Record<'pub' | 'con' | 'priv' | 'gone', FileRecord> = {} as any
  const cleanup: Array<() => Promise<void>> = []

  before(async () => {
    dir = await tempDir()
    owner = await startTestNode(join(dir.path, 'owner'), { chunkSize: CHUNK })
    cleanup.push(async () => owner.stop())
    stranger = await rawPeer()
    contact = await rawPeer()
    cleanup.push(async () => stranger.stop(), async () => contact.stop())
    files.pub = await owner.share(await randomFile(dir.path, 'access-pub.bin', 4 * CHUNK))
    files.con = await owner.share(await randomFile(dir.path, 'access-con.bin', 4 * CHUNK), { visibility: 'contacts' })
    files.priv = await owner.share(await randomFile(dir.path, 'access-priv.bin', 4 * CHUNK), { visibility: 'private' })
    // a file that existed: the answer for it is the answer for any file we do not have
    files.gone = await owner.share(await randomFile(dir.path, 'access-gone.bin', 4 * CHUNK))
    await owner.remove(files.gone.fileId)
    await owner.contacts.add(contact.peerId, { name: 'contact' })
  })
  after(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => {})
    await dir?.cleanup()
  })

  it('a stranger gets, byte for byte, the answer for a file that does not exist: by id and by SHA-256', async () => {
    const missingById = await rawAnswer(stranger, owner, { fileId: files.gone.fileId })
    const missingBySha = await rawAnswer(stranger, owner, { sha256: files.gone.sha256 })
    assert.deepEqual(decoded(missingById), { type: 'failure', code: 'not-found', message: 'File not found' })
    assert.deepEqual(missingBySha, missingById)
    for (const file of [files.con, files.priv]) {
      assert.deepEqual(await rawAnswer(stranger, owner, { fileId: file.fileId }), missingById, `${file.metadata.name} by id`)
      assert.deepEqual(await rawAnswer(stranger, owner, { sha256: file.sha256 }), missingById, `${file.metadata.name} by SHA-256`)
    }
    // the control: a public file is offered to anyone
    assert.equal(decoded(await rawAnswer(stranger, owner, { fileId: files.pub.fileId })).type, 'offer')
  })

  it('a contact is served the contacts-only file (by id and SHA-256), not the private one', async () => {
    const missing = await rawAnswer(contact, owner, { fileId: files.gone.fileId })
    assert.equal(decoded(await rawAnswer(contact, owner, { fileId: files.con.fileId })).type, 'offer')
    assert.equal(decoded(await rawAnswer(contact, owner, { sha256: files.con.sha256 })).type, 'offer')
    assert.deepEqual(await rawAnswer(contact, owner, { fileId: files.priv.fileId }), missing)
    assert.deepEqual(await rawAnswer(contact, owner, { sha256: files.priv.sha256 }), missing)
  })

  it('a contact removed mid-download gets "not found" at its next chunk request, and at its next Want', async () => {
    const missing = await rawAnswer(contact, owner, { fileId: files.gone.fileId })
    const framed = await session(contact, owner, files.con.fileId)
    assert.equal((await requestChunk(framed, 0)).chunk, true)
    await owner.contacts.rm('contact')
    const after = await requestChunk(framed, 1)
    assert.equal(after.chunk, false)
    assert.deepEqual(after.raw, missing)
    assert.deepEqual(await rawAnswer(contact, owner, { fileId: files.con.fileId }), missing)
    await owner.contacts.add(contact.peerId, { name: 'contact' })
    assert.equal(decoded(await rawAnswer(contact, owner, { fileId: files.con.fileId })).type, 'offer')
  })

  it('a visibility change takes effect at once: new Wants and sessions in flight', async () => {
    const missing = await rawAnswer(stranger, owner, { fileId: files.gone.fileId })
    const framed = await session(stranger, owner, files.pub.fileId)
    assert.equal((await requestChunk(framed, 0)).chunk, true)
    const record = await owner.setVisibility(files.pub.fileId.slice(0, 20), 'private')
    assert.equal(record.visibility, 'private')
    assert.deepEqual((await requestChunk(framed, 1)).raw, missing)
    assert.deepEqual(await rawAnswer(stranger, owner, { sha256: files.pub.sha256 }), missing)
    await owner.setVisibility(files.pub.fileId, 'contacts')
    assert.deepEqual(await rawAnswer(stranger, owner, { fileId: files.pub.fileId }), missing)
    assert.equal(decoded(await rawAnswer(contact, owner, { fileId: files.pub.fileId })).type, 'offer')
    await owner.setVisibility(files.pub.fileId, 'public')
    assert.equal(decoded(await rawAnswer(stranger, owner, { fileId: files.pub.fileId })).type, 'offer')
    assert.equal((await owner.list()).find(r => r.fileId === files.pub.fileId)?.visibility, 'public')
  })

  it('bounds probing: past `notFoundPerPeer` misses a peer\'s Wants are refused busy, whatever they name', async () => {
    const prober = await startTestNode(join(dir.path, 'probed'), { exchange: { notFoundPerPeer: 5 } })
    cleanup.push(async () => prober.stop())
    const shared = await prober.share(await randomFile(dir.path, 'probed.bin', CHUNK))
    const peer = await rawPeer()
    cleanup.push(async () => peer.stop())
    for (let i = 0; i < 5; i++) {
      const guess = (i.toString(16).padStart(2, '0')).repeat(32)
      assert.equal(decoded(await rawAnswer(peer, prober, { sha256: guess })).type, 'failure')
    }
    const refused = decoded(await rawAnswer(peer, prober, { fileId: shared.fileId }))
    assert.equal(refused.type === 'failure' ? refused.code : refused.type, 'busy')
    // another peer is not affected
    assert.equal(decoded(await rawAnswer(stranger, prober, { fileId: shared.fileId })).type, 'offer')
  })

  it('catalog and search answers: a stranger gets neither contacts-only nor private offers, a contact the contacts ones; nobody passes them on', async () => {
    const strangerNode = await startTestNode(join(dir.path, 'stranger-node'))
    const contactNode = await startTestNode(join(dir.path, 'contact-node'))
    cleanup.push(async () => strangerNode.stop(), async () => contactNode.stop())
    await owner.contacts.add(contactNode.peerId)
    for (const node of [strangerNode, contactNode]) await node.connect(multiaddr(dialAddress(owner)))
    await strangerNode.connect(multiaddr(dialAddress(contactNode)))
    await strangerNode.catalogSync.pull(owner.peerId)
    await contactNode.catalogSync.pull(owner.peerId)
    const held = async (node: PeershareNode, file: FileRecord): Promise<string[]> => (await node.catalog.offersOf(file.fileId)).map(e => e.signed.offer.visibility)
    assert.deepEqual(await held(strangerNode, files.pub), ['public'])
    assert.deepEqual(await held(strangerNode, files.con), [])
    assert.deepEqual(await held(strangerNode, files.priv), [])
    assert.deepEqual(await held(contactNode, files.con), ['contacts'])
    assert.deepEqual(await held(contactNode, files.priv), [])

    // search: the owner answers the stranger without them, the contact with the contacts one; the contact never passes it on
    // search asks only peers identified as speaking it: both must be, or one answer is missing by chance
    await until(async () => (await strangerNode.remoteSearch.choosePeers()).length >= 2)
    await until(async () => (await contactNode.remoteSearch.choosePeers()).some(p => p.equals(owner.peerId)))
    const indexed = async (): Promise<string[]> => (await contactNode.queryAnswerer.answer({ text: 'access' }, 20)).map(e => e.signed.offer.contentId)
    const deadline = Date.now() + 10_000
    while (!(await indexed()).includes(files.con.fileId) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
    assert.ok((await indexed()).includes(files.con.fileId), 'the contact holds the contacts-only offer for its own search')
    const ask = async (node: PeershareNode): Promise<RemoteAnswer[]> => {
      const out: RemoteAnswer[] = []
      for await (const answer of node.remoteSearch.fanOut({ text: 'access' })) out.push(answer)
      return out
    }
    const idsFrom = (answers: RemoteAnswer[], peer: PeershareNode): string[] => (answers.find(a => a.peer === peer.peerId.toString())?.entries ?? []).map(e => e.signed.offer.contentId).sort()
    const toStranger = await ask(strangerNode)
    assert.deepEqual(idsFrom(toStranger, owner), [files.pub.fileId])
    assert.deepEqual(idsFrom(toStranger, contactNode), [files.pub.fileId])
    const toContact = await ask(contactNode)
    assert.deepEqual(idsFrom(toContact, owner), [files.pub.fileId, files.con.fileId].sort())

    // the contact downloads the contacts-only file: it keeps it private (not provided, not served to strangers)
    const got = await contactNode.get(files.con.fileId, { from: owner.peerId, output: join(dir.path, 'contact-copy.bin') })
    assert.equal(got.visibility, 'private')
    assert.equal((await contactNode.list()).find(r => r.fileId === files.con.fileId)?.visibility, 'private')
    const missing = await rawAnswer(stranger, contactNode, { sha256: files.gone.sha256 })
    assert.deepEqual(await rawAnswer(stranger, contactNode, { sha256: files.con.sha256 }), missing)
    // a public download stays public
    const pub = await contactNode.get(files.pub.fileId, { from: owner.peerId, output: join(dir.path, 'contact-pub.bin') })
    assert.equal(pub.visibility, undefined)
  })
})
