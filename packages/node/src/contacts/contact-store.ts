/**
 * The contact list, persisted under `/peershare/contacts/<peer id>` as `{ name?, added }`
 * and held in memory (at most MAX_CONTACTS), so the serve-time check `isContact` costs
 * a map lookup. Until `load` has run the list is empty: nobody is a contact, which
 * refuses rather than grants. A record that does not decode is set aside.
 */
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { type Datastore, Key } from 'interface-datastore'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'
import { BadRequestError, ContactNameTakenError, ContactNotFoundError, TooManyContactsError } from '../errors.js'
import { InOrder } from '../in-order.js'
import { type Quarantine, checkContactRecord, jsonObject } from '../records/index.js'
import { MAX_CONTACTS, checkContactName, isPeerId, nameKey } from './contact-name.js'

const PREFIX = '/peershare/contacts'

export interface Contact {
  peerId: PeerId
  name?: string
  /** unix ms it was added (or last renamed) */
  added: number
}

export class ContactStore {
  private readonly byPeer = new Map<string, Contact>()
  private readonly byName = new Map<string, Contact>()
  /** adds and removals one at a time, each seeing what the last did (in-order.ts) */
  private readonly changes = new InOrder()

  constructor (private readonly datastore: Datastore, private readonly quarantine: Quarantine, private readonly self: PeerId) {}

  /** Reads the persisted list (records that do not decode are set aside) */
  async load (): Promise<void> {
    for await (const { key, value } of this.datastore.query({ prefix: PREFIX })) {
      try {
        if (this.byPeer.size >= MAX_CONTACTS) throw new Error(`more than ${MAX_CONTACTS} contacts`)
        const peerId = peerIdFromString(key.baseNamespace())
        const record = checkContactRecord(jsonObject(value))
        const name = record.name == null ? undefined : checkContactName(record.name)
        if (name != null && this.byName.has(nameKey(name))) throw new Error(`name ${name} given twice`)
        this.remember({ peerId, added: record.added, ...(name == null ? {} : { name }) })
      } catch (err: any) {
        await this.quarantine.setAside([key], `contact: ${err?.message ?? err}`)
      }
    }
  }

  /** Adds a contact, or renames one (without `name`, a contact keeps the one it has) */
  async add (peer: PeerId | string, options: { name?: string } = {}): Promise<Contact> {
    // one change at a time: two adds at once must not both take a name, or the last room
    return this.changes.run(async () => this.addNow(peer, options))
  }

  private async addNow (peer: PeerId | string, options: { name?: string }): Promise<Contact> {
    const peerId = typeof peer === 'string' ? parsePeerId(peer) : peer
    if (peerId.equals(this.self)) throw new BadRequestError('This node is not its own contact')
    const name = options.name == null ? this.byPeer.get(peerId.toString())?.name : checkContactName(options.name)
    const holder = name == null ? undefined : this.byName.get(nameKey(name))
    if (holder != null && !holder.peerId.equals(peerId)) throw new ContactNameTakenError(`The name ${name} is taken by ${holder.peerId.toString()}`)
    const existing = this.byPeer.get(peerId.toString())
    if (existing == null && this.byPeer.size >= MAX_CONTACTS) throw new TooManyContactsError(`At most ${MAX_CONTACTS} contacts`)
    const contact: Contact = { peerId, added: Date.now(), ...(name == null ? {} : { name }) }
    await this.datastore.put(keyOf(peerId), uint8ArrayFromString(JSON.stringify({ name, added: contact.added })))
    if (existing != null) this.forget(existing)
    this.remember(contact)
    return contact
  }

  /** Every contact, by name (unnamed ones last, by peer id) */
  ls (): Contact[] {
    return [...this.byPeer.values()].sort((a, b) => (a.name ?? '\uffff').localeCompare(b.name ?? '\uffff') || a.peerId.toString().localeCompare(b.peerId.toString()))
  }

  /** Removes a contact named by its name or peer id; throws ContactNotFoundError when it is none */
  async rm (nameOrPeerId: string): Promise<Contact> {
    return this.changes.run(async () => {
      const contact = this.find(nameOrPeerId)
      if (contact == null) throw new ContactNotFoundError(`Not a contact: ${nameOrPeerId.slice(0, 80)}`)
      await this.datastore.delete(keyOf(contact.peerId))
      this.forget(contact)
      return contact
    })
  }

  /** The peer of the contact with this name (ignoring case), if any */
  named (name: string): PeerId | undefined {
    return this.byName.get(nameKey(name.trim()))?.peerId
  }

  /**
   * The peer a name or peer id stands for: a contact's name, else any peer id (a
   * contact or not); anything else throws ContactNotFoundError
   */
  resolve (nameOrPeerId: string): PeerId {
    const named = this.byName.get(nameKey(nameOrPeerId.trim()))
    if (named != null) return named.peerId
    if (isPeerId(nameOrPeerId)) return peerIdFromString(nameOrPeerId)
    throw new ContactNotFoundError(`Neither a contact name nor a peer id: ${nameOrPeerId.slice(0, 80)}`)
  }

  /** True for a contact, by its peer id (or the id as text) */
  isContact (peer: PeerId | string): boolean {
    return this.byPeer.has(peer.toString())
  }

  get size (): number {
    return this.byPeer.size
  }

  private find (nameOrPeerId: string): Contact | undefined {
    return this.byName.get(nameKey(nameOrPeerId.trim())) ?? this.byPeer.get(nameOrPeerId)
  }

  private remember (contact: Contact): void {
    this.byPeer.set(contact.peerId.toString(), contact)
    if (contact.name != null) this.byName.set(nameKey(contact.name), contact)
  }

  private forget (contact: Contact): void {
    this.byPeer.delete(contact.peerId.toString())
    if (contact.name != null && this.byName.get(nameKey(contact.name)) === contact) this.byName.delete(nameKey(contact.name))
  }
}

function keyOf (peerId: PeerId): Key {
  return new Key(`${PREFIX}/${peerId.toString()}`)
}

function parsePeerId (text: string): PeerId {
  try {
    return peerIdFromString(text)
  } catch {
    throw new BadRequestError(`Not a peer id: ${text.slice(0, 80)}`)
  }
}
