/** Peers (connected, with latency) and contacts (add, remove) */
import type { ContactInfo, PeerEntry } from '@peershare/client'
import { useState } from 'preact/hooks'
import { api } from '../api.js'
import { ErrorLine, Section, useAction, useLoad } from '../components.js'

export function PeersPage () {
  const peers = useLoad(async () => api<{ peers: PeerEntry[] }>('GET', '/v1/peers'), [])
  const [addr, setAddr] = useState('')
  const action = useAction()
  const connect = (event: Event): void => {
    event.preventDefault()
    action.run(async () => {
      await api('POST', '/v1/swarm/connect', { addr })
      setAddr('')
      peers.reload()
    })
  }
  return (
    <Section title="Peers">
      <form onSubmit={connect}>
        <input name="addr" aria-label="Peer address (multiaddr)" placeholder="/ip4/…/tcp/…/p2p/…" value={addr} onInput={e => { setAddr((e.target as HTMLInputElement).value) }} />
        <button type="submit" disabled={action.busy || addr === ''}>Connect</button>
      </form>
      <ErrorLine error={action.error ?? peers.error} />
      <table class="peers">
        <thead><tr><th>Peer id</th><th>Latency</th><th>Addresses</th></tr></thead>
        <tbody>
          {(peers.value?.peers ?? []).map(p => (
            <tr key={p.peerId}><td><code>{p.peerId}</code></td><td>{p.latencyMs == null ? '?' : `${p.latencyMs} ms`}</td><td>{p.addresses.join(' ')}</td></tr>
          ))}
        </tbody>
      </table>
    </Section>
  )
}

export function ContactsPage () {
  const contacts = useLoad(async () => api<{ contacts: ContactInfo[] }>('GET', '/v1/contacts'), [])
  const [peerId, setPeerId] = useState('')
  const [name, setName] = useState('')
  const action = useAction()
  const add = (event: Event): void => {
    event.preventDefault()
    action.run(async () => {
      await api('POST', '/v1/contacts', { peerId, ...(name === '' ? {} : { name }) })
      setPeerId('')
      setName('')
      contacts.reload()
    })
  }
  const remove = (contact: ContactInfo): void => {
    // a contact's files and grants depend on it: asked first, as a file's Remove is
    if (!confirm(`Remove contact ${contact.name ?? contact.peerId}?`)) return
    action.run(async () => {
      await api('DELETE', `/v1/contacts/${encodeURIComponent(contact.peerId)}`)
      contacts.reload()
    })
  }
  return (
    <Section title="Contacts">
      <form onSubmit={add}>
        <input name="peerId" aria-label="Contact's peer id" placeholder="peer id" value={peerId} onInput={e => { setPeerId((e.target as HTMLInputElement).value) }} />
        <input name="name" aria-label="Contact's name (optional)" placeholder="name (optional)" value={name} onInput={e => { setName((e.target as HTMLInputElement).value) }} />
        <button type="submit" disabled={action.busy || peerId === ''}>Add</button>
      </form>
      <ErrorLine error={action.error ?? contacts.error} />
      <table class="contacts">
        <thead><tr><th>Name</th><th>Peer id</th><th /></tr></thead>
        <tbody>
          {(contacts.value?.contacts ?? []).map(c => (
            <tr key={c.peerId}><td>{c.name ?? ''}</td><td><code>{c.peerId}</code></td><td><button type="button" class="danger" onClick={() => { remove(c) }}>Remove</button></td></tr>
          ))}
        </tbody>
      </table>
    </Section>
  )
}
