import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import fc from 'fast-check'
import { base32 } from 'multiformats/bases/base32'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import {
  decodeTicket,
  encodeTicket,
  fileIdOf,
  isTicket,
  MAX_NAME_BYTES,
  MAX_TICKET_ADDRESS_BYTES,
  MAX_TICKET_ADDRESSES,
  MAX_TICKET_CID_BYTES,
  MAX_TICKET_LENGTH,
  sanitizeFileName,
  type Ticket,
  TICKET_PREFIX,
  TICKET_VERSION
} from '../src/index.js'
import { crc32 } from '../src/crc32.js'
import { Ticket as TicketPb } from '../src/pb/ticket.js'
import { bytesOf, manifestOf } from './fixtures.js'

const INVALID = { name: 'InvalidTicketError', code: 'ERR_INVALID_TICKET' }
// an Ed25519 peer id: identity multihash of a 36-byte protobuf public key
const PEER_BYTES = Digest.create(0x00, new Uint8Array([8, 1, 18, 32, ...bytesOf(32, 7)])).bytes
const PEER = base58btc.baseEncode(PEER_BYTES)
const fileId = await fileIdOf(manifestOf(bytesOf(40_000, 3)))

function sample (overrides: Partial<Ticket> = {}): Ticket {
  return {
    id: fileId,
    name: 'report.pdf',
    size: 40_000,
    peerId: PEER,
    addresses: [multiaddr(`/ip4/192.168.1.20/tcp/4001/p2p/${PEER}`), multiaddr(`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`)],
    ...overrides
  }
}

function same (a: Ticket, b: Ticket): void {
  assert.ok(a.id.equals(b.id))
  assert.equal(a.name, b.name)
  assert.equal(a.size, b.size)
  assert.equal(a.peerId, b.peerId)
  const text = (t: Ticket): string[] => t.addresses.map(x => x.toString().replace(new RegExp(`(/p2p/${PEER})?$`), `/p2p/${PEER}`))
  assert.deepEqual(text(a), text(b))
}

/** A ticket's text from raw parts, bypassing the encoder's checks (what a hostile or buggy sharer could send) */
function rawTicket (pb: Partial<TicketPb>, version = TICKET_VERSION): string {
  const body = TicketPb.encode({ cid: fileId.bytes, peer: PEER_BYTES, ...pb })
  const bytes = new Uint8Array(1 + body.byteLength + 4)
  bytes[0] = version
  bytes.set(body, 1)
  new DataView(bytes.buffer).setUint32(1 + body.byteLength, crc32(bytes.subarray(0, 1 + body.byteLength)))
  return TICKET_PREFIX + base32.baseEncode(bytes)
}

describe('tickets', () => {
  it('round-trips: id, name, size, peer and addresses (each ending in /p2p/<peer>)', () => {
    const text = encodeTicket(sample())
    assert.ok(text.startsWith(TICKET_PREFIX))
    assert.match(text, /^[a-z0-9]+$/, 'URL-safe lowercase')
    const back = decodeTicket(text)
    same(back, sample())
    assert.ok(back.addresses.every(a => a.toString().endsWith(`/p2p/${PEER}`)))
  })

  it('takes addresses with or without /p2p/, and no addresses at all', () => {
    const bare = sample({ addresses: [multiaddr('/ip4/127.0.0.1/tcp/5')] })
    assert.equal(decodeTicket(encodeTicket(bare)).addresses[0].toString(), `/ip4/127.0.0.1/tcp/5/p2p/${PEER}`)
    assert.deepEqual(decodeTicket(encodeTicket(sample({ addresses: [] }))).addresses, [])
  })

  it('keeps a relay\'s /p2p/ inside a circuit address', () => {
    const relay = base58btc.baseEncode(Digest.create(0x00, new Uint8Array([8, 1, 18, 32, ...bytesOf(32, 9)])).bytes)
    const circuit = `/ip4/192.0.2.1/tcp/4001/p2p/${relay}/p2p-circuit/p2p/${PEER}`
    assert.equal(decodeTicket(encodeTicket(sample({ addresses: [multiaddr(circuit)] }))).addresses[0].toString(), circuit)
    assert.equal(decodeTicket(encodeTicket(sample({ addresses: [multiaddr(circuit).decapsulateCode(421)] }))).addresses[0].toString(), circuit)
  })

  it('keeps any CIDv1 (a collection id of another codec too)', () => {
    const other = CID.createV1(0x300e51, fileId.multihash)
    assert.ok(decodeTicket(encodeTicket(sample({ id: other }))).id.equals(other))
  })

  it('ignores case and white space (read aloud, QR codes, wrapped lines)', () => {
    const text = encodeTicket(sample())
    same(decodeTicket(`  ${text.toUpperCase().slice(0, 50)}\n${text.slice(50)} `), sample())
    assert.ok(isTicket(` ${text.toUpperCase()}`))
    assert.ok(!isTicket(fileId.toString()))
  })

  it('sanitises the name hint; an unusable one becomes no hint', () => {
    const hint = decodeTicket(rawTicket({ name: '../../etc/passwd' })).name
    assert.equal(hint, sanitizeFileName('../../etc/passwd'))
    assert.ok(!hint.includes('/') && !hint.startsWith('.'))
    assert.equal(decodeTicket(rawTicket({ name: '..' })).name, '')
    assert.equal(decodeTicket(encodeTicket(sample({ name: '' }))).name, '')
  })

  describe('damage: one InvalidTicketError each', () => {
    const text = encodeTicket(sample())

    it('a changed character anywhere', () => {
      for (let i = TICKET_PREFIX.length; i < text.length; i++) {
        const swapped = text[i] === 'a' ? 'b' : 'a'
        assert.throws(() => decodeTicket(text.slice(0, i) + swapped + text.slice(i + 1)), INVALID, `position ${i}`)
      }
    })

    it('two neighbouring characters swapped anywhere', () => {
      for (let i = TICKET_PREFIX.length; i < text.length - 1; i++) {
        if (text[i] === text[i + 1]) continue
        const swapped = text.slice(0, i) + text[i + 1] + text[i] + text.slice(i + 2)
        assert.throws(() => decodeTicket(swapped), INVALID, `position ${i}`)
      }
    })

    it('truncation at any length, and extra characters: said to be cut off or damaged, never a typo of characters', () => {
      for (let n = 0; n < text.length; n++) assert.throws(() => decodeTicket(text.slice(0, n)), INVALID, `length ${n}`)
      for (let n = TICKET_PREFIX.length + 1; n < text.length; n++) {
        assert.throws(() => decodeTicket(text.slice(0, n)), (err: Error) => /cut off/.test(err.message) && !/characters base32 does not use/.test(err.message), `length ${n}`)
      }
      assert.throws(() => decodeTicket(`${text}a`), INVALID)
    })

    it('a last character that sets bits past the last byte: said to be the last character, not the length', () => {
      const head = text.slice(0, -1)
      let seen = 0
      for (const last of 'abcdefghijklmnopqrstuvwxyz234567') {
        try {
          decodeTicket(head + last)
        } catch (err: any) {
          assert.equal(err.name, INVALID.name)
          if (/last character/.test(err.message)) seen++
          else assert.match(err.message, /checksum/, last)
        }
      }
      // at this length the last character carries padding bits unless the length is a multiple of 8
      if (text.slice(TICKET_PREFIX.length).length % 8 !== 0) assert.ok(seen > 0, 'some last characters set padding bits')
    })

    it('characters base32 does not use: named as such', () => {
      for (const odd of ['1', 'é', '0', '8']) {
        assert.throws(() => decodeTicket(`${text.slice(0, 20)}${odd}${text.slice(21)}`), (err: Error) => INVALID.name === err.name && /characters base32 does not use/.test(err.message), odd)
      }
    })

    it('a wrong prefix, an unknown version, too long', () => {
      assert.throws(() => decodeTicket(`x${text}`), INVALID)
      assert.throws(() => decodeTicket(rawTicket({}, 2)), INVALID)
      assert.throws(() => decodeTicket(TICKET_PREFIX + 'a'.repeat(MAX_TICKET_LENGTH)), INVALID)
    })

    it('valid checksum over bad contents: CID, peer id, addresses, counts, name length', () => {
      const addr = multiaddr('/ip4/127.0.0.1/tcp/1').bytes
      for (const pb of [
        { cid: new Uint8Array(0) },
        { cid: new Uint8Array([1, 2, 3]) },
        { cid: CID.createV0(fileId.multihash as Digest.Digest<0x12, number>).bytes },
        { cid: new Uint8Array(MAX_TICKET_CID_BYTES + 1) },
        { peer: new Uint8Array(0) },
        { peer: new Uint8Array([0x99, 0x02, 1, 2]) },
        { peer: Digest.create(0x13, new Uint8Array(32)).bytes },
        { addrs: [new Uint8Array([0xff, 0xff, 0xff])] },
        { addrs: [multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${PEER}`).bytes] },
        { addrs: [new Uint8Array(MAX_TICKET_ADDRESS_BYTES + 1)] },
        { addrs: Array.from({ length: MAX_TICKET_ADDRESSES + 1 }, () => addr) },
        { name: 'a'.repeat(MAX_NAME_BYTES + 1) },
        { size: 2n ** 60n }
      ]) {
        assert.throws(() => decodeTicket(rawTicket(pb as Partial<TicketPb>)), INVALID, JSON.stringify(Object.keys(pb)))
      }
      assert.throws(() => decodeTicket(rawTicket({ cid: new Uint8Array([0xff]) }).slice(0, -1) + 'q'), INVALID)
    })
  })

  it('the encoder refuses what the decoder would: too many addresses, another peer\'s address, bad sizes', () => {
    const many = Array.from({ length: MAX_TICKET_ADDRESSES + 1 }, (_, i) => multiaddr(`/ip4/127.0.0.1/tcp/${i + 1}`))
    assert.throws(() => encodeTicket(sample({ addresses: many })), INVALID)
    const other = base58btc.baseEncode(Digest.create(0x00, new Uint8Array([8, 1, 18, 32, ...bytesOf(32, 8)])).bytes)
    assert.throws(() => encodeTicket(sample({ addresses: [multiaddr(`/ip4/127.0.0.1/tcp/1/p2p/${other}`)] })), INVALID)
    assert.throws(() => encodeTicket(sample({ size: -1 })), INVALID)
    assert.throws(() => encodeTicket(sample({ peerId: 'not-a-peer' })), INVALID)
  })

  it('a ticket at every limit fits MAX_TICKET_LENGTH', () => {
    const longAddr = (i: number): string => `/dns4/${'h'.repeat(MAX_TICKET_ADDRESS_BYTES - 8)}/tcp/${i + 1}`
    const addresses = Array.from({ length: MAX_TICKET_ADDRESSES }, (_, i) => multiaddr(longAddr(i)))
    assert.ok(addresses.every(a => a.bytes.byteLength <= MAX_TICKET_ADDRESS_BYTES))
    const biggest = sample({ name: 'n'.repeat(MAX_NAME_BYTES), size: Number.MAX_SAFE_INTEGER, addresses })
    const text = encodeTicket(biggest)
    assert.ok(text.length <= MAX_TICKET_LENGTH, `${text.length} characters`)
    // a name hint of MAX_NAME_BYTES is taken, then cut like every name from a peer
    same(decodeTicket(text), { ...biggest, name: sanitizeFileName(biggest.name) })
  })

  it('property: any valid ticket round-trips, and any one-character change to its text is an InvalidTicketError', () => {
    const port = fc.integer({ min: 1, max: 65535 })
    const address = fc.oneof(
      fc.tuple(fc.ipV4(), port).map(([ip, p]) => multiaddr(`/ip4/${ip}/tcp/${p}`)),
      fc.tuple(fc.ipV4(), port).map(([ip, p]) => multiaddr(`/ip4/${ip}/udp/${p}/quic-v1`))
    )
    const ticket = fc.record({
      name: fc.constantFrom('', 'a.txt', 'Ünïcødé name.bin', 'x'.repeat(200)),
      size: fc.maxSafeNat(),
      addresses: fc.array(address, { maxLength: MAX_TICKET_ADDRESSES })
    }).map(parts => sample(parts))
    fc.assert(fc.property(ticket, t => { same(decodeTicket(encodeTicket(t)), t) }), { numRuns: 200 })
    const damaged = fc.tuple(ticket, fc.nat(), fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz234567'))
    fc.assert(fc.property(damaged, ([t, at, ch]) => {
      const text = encodeTicket(t)
      const i = TICKET_PREFIX.length + (at % (text.length - TICKET_PREFIX.length))
      const changed = text.slice(0, i) + ch + text.slice(i + 1)
      if (changed === text) return
      assert.throws(() => decodeTicket(changed), INVALID)
    }), { numRuns: 300 })
  })
})
