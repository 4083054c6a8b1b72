/**
 * The page's "reachable by other browsers" part: the user names a daemon serving as
 * relay; the page reserves there and shows its `…/p2p-circuit/webrtc/p2p/<page>`
 * addresses, which another page pastes as a source. After a download the page lists how
 * it is connected to each source (direct WebRTC, WebRTC-direct, WebSockets, or relayed).
 */
import type { BrowserPeer } from '../index.js'

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T

export function setupReach (getPeer: () => Promise<BrowserPeer>): void {
  const relay = $<HTMLInputElement>('relay')
  relay.value = new URLSearchParams(location.search).get('relay') ?? ''
  $<HTMLFormElement>('reach-form').addEventListener('submit', event => {
    event.preventDefault()
    void reach(getPeer, relay.value)
  })
}

async function reach (getPeer: () => Promise<BrowserPeer>, relay: string): Promise<void> {
  const status = $('reach-status')
  const list = $<HTMLUListElement>('b2b-addrs')
  delete status.dataset.error
  try {
    status.textContent = 'Reserving on the relay…'
    const addrs = await (await getPeer()).reachableVia(relay)
    list.replaceChildren(...addrs.map(a => {
      const item = document.createElement('li')
      const code = document.createElement('code')
      code.textContent = a
      item.append(code)
      return item
    }))
    status.textContent = addrs.length > 0
      ? 'Reachable: another page downloads what this page shares from one of these addresses'
      : 'The relay took the reservation but gave no address a browser can dial'
  } catch (err: any) {
    status.dataset.error = err.name
    status.textContent = `Failed: ${err.message}`
  }
}

/** Lists the page's connections to each source peer: address and whether it is relayed */
export function showConnections (peer: BrowserPeer, peers: string[]): void {
  const list = $<HTMLUListElement>('connections')
  list.replaceChildren(...peers.flatMap(id => peer.connectionsTo(id).map(c => {
    const item = document.createElement('li')
    item.dataset.peer = id
    item.dataset.limited = String(c.limited)
    item.textContent = `${id} ${c.limited ? 'relayed (limited)' : 'direct'} ${c.remoteAddr}`
    return item
  })))
}
