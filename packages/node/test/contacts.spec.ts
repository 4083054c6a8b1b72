/**
 * The contact list: add, rename, list, remove, resolve names and peer ids, its bounds,
 * and what it reads back from a LevelDB datastore (records set aside when bad).
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { LevelDatastore } from 'datastore-level'
import { Key } from 'interface-datastore'
import { ContactStore } from '../src/contacts/index.js'
import { Quarantine } from '../src/records/index.js'
import { tempDir, type TestDir } from './fixtures.js'

const newPeer = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

describe('contacts', () => {
  let dir: TestDir
  let ds: LevelDatastore
  let quarantine: Quarantine
  let self: PeerId

  beforeEach(async () => {
    dir = await tempDir()
    ds = new LevelDatastore(join(dir.path, 'datastore'))
    await ds.open()
    quarantine = new Quarantine(ds, logger('test'))
    self = await newPeer()
  })
  afterEach(async () => {
    await ds.close()
    await dir.cleanup()
  })

  const open = async (): Promise<ContactStore> => {
    const store = new ContactStore(ds, quarantine, self)
    await store.load()
    return store
  }

  it('are added, renamed, listed, resolved by name or peer id, removed, and kept across a reopen', async () => {
    const store = await open()
    const alice = await newPeer()
    const bob = await newPeer()
    await store.add(alice, { name: 'Alice' })
    await store.add(bob.toString())
    assert.ok(store.isContact(alice) && store.isContact(bob))
    assert.ok(store.resolve('alice').equals(alice), 'names resolve ignoring case')
    const stranger = await newPeer()
    assert.ok(store.resolve(stranger.toString()).equals(stranger), 'any peer id resolves, contact or not')
    assert.throws(() => store.resolve('carol'), { name: 'ContactNotFoundError', code: 'ERR_CONTACT_NOT_FOUND' })
    // renaming keeps one entry; adding again without a name keeps the name
    await store.add(alice, { name: 'Ally' })
    await store.add(alice)
    assert.deepEqual(store.ls().map(c => [c.peerId.toString(), c.name]), [[alice.toString(), 'Ally'], [bob.toString(), undefined]])
    assert.throws(() => store.resolve('Alice'), { name: 'ContactNotFoundError' })

    const reopened = await open()
    assert.deepEqual(reopened.ls().map(c => [c.peerId.toString(), c.name]), [[alice.toString(), 'Ally'], [bob.toString(), undefined]])
    assert.equal((await reopened.rm('ally')).peerId.toString(), alice.toString())
    await reopened.rm(bob.toString())
    assert.equal(reopened.size, 0)
    await assert.rejects(reopened.rm('ally'), { name: 'ContactNotFoundError' })
    assert.equal((await open()).size, 0)
  })

  it('refuse a name taken by another contact, a name that reads as a peer id, bad names, themselves and what is not a peer id', async () => {
    const store = await open()
    const alice = await newPeer()
    const other = await newPeer()
    await store.add(alice, { name: 'alice' })
    await assert.rejects(store.add(other, { name: 'ALICE' }), { name: 'ContactNameTakenError', code: 'ERR_CONTACT_NAME_TAKEN' })
    await assert.rejects(store.add(other, { name: alice.toString() }), { name: 'BadRequestError' })
    for (const name of ['', '   ', 'x'.repeat(65), 'evil\u202etxt', 'line\nbreak']) {
      await assert.rejects(store.add(other, { name }), { name: 'BadRequestError' }, JSON.stringify(name))
    }
    await assert.rejects(store.add(self), { name: 'BadRequestError' })
    await assert.rejects(store.add('not-a-peer-id'), { name: 'BadRequestError' })
    assert.equal(store.size, 1)
  })

  it('two adds at once with one name give it to one of them; an add and a remove at once leave memory and disk alike', async () => {
    const store = await open()
    const alice = await newPeer()
    const other = await newPeer()
    const results = await Promise.allSettled([store.add(alice, { name: 'Sam' }), store.add(other, { name: 'sam' })])
    assert.deepEqual(results.map(r => r.status), ['fulfilled', 'rejected'])
    assert.equal((results[1] as PromiseRejectedResult).reason.name, 'ContactNameTakenError')
    // a reopen keeps the contact (a name given twice on disk is set aside at load)
    assert.deepEqual((await open()).ls().map(c => [c.peerId.toString(), c.name]), [[alice.toString(), 'Sam']])
    await Promise.all([store.rm('sam'), store.add(other, { name: 'Sam' })])
    assert.deepEqual(store.ls().map(c => [c.peerId.toString(), c.name]), [[other.toString(), 'Sam']])
    assert.deepEqual((await open()).ls().map(c => [c.peerId.toString(), c.name]), [[other.toString(), 'Sam']])
  })

  it('set aside records that do not decode, and load the rest', async () => {
    const store = await open()
    const alice = await newPeer()
    await store.add(alice, { name: 'alice' })
    const bob = await newPeer()
    await ds.put(new Key(`/peershare/contacts/${bob.toString()}`), new TextEncoder().encode('{"name": 7, "added": 1}'))
    await ds.put(new Key('/peershare/contacts/not-a-peer'), new TextEncoder().encode('{"added": 1}'))
    const reopened = await open()
    assert.deepEqual(reopened.ls().map(c => c.name), ['alice'])
    assert.equal((await quarantine.list()).length, 2)
  })
})
