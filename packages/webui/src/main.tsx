/**
 * The peershare web UI: one page, routed by the URL's hash, talking to the daemon's
 * control API on the same origin with the session cookie `peershare webui` gave.
 * Every text from peers goes through JSX, which escapes it.
 */
import type { NodeInfo } from '@peershare/client'
import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { api } from './api.js'
import { useLoad, Words } from './components.js'
import { connectEvents, stream } from './live.js'
import { FilesPage } from './pages/files.js'
import { OfferPage } from './pages/offer.js'
import { ContactsPage, PeersPage } from './pages/peers.js'
import { SearchPage } from './pages/search.js'
import { SettingsPage } from './pages/settings.js'
import { StatusPage } from './pages/status.js'
import { TransfersPage } from './pages/transfers.js'

const PAGES: ReadonlyArray<[string, string]> = [['files', 'Files'], ['search', 'Search'], ['transfers', 'Transfers'], ['peers', 'Peers'], ['contacts', 'Contacts'], ['status', 'Status'], ['settings', 'Settings']]

const STREAM_NOTE = { open: '', reconnecting: '(reconnecting)', closed: '(logged out: open a new `peershare webui` link)' } as const

function useHash (): string {
  const [hash, setHash] = useState(location.hash)
  useEffect(() => {
    const onChange = (): void => { setHash(location.hash) }
    addEventListener('hashchange', onChange)
    return () => { removeEventListener('hashchange', onChange) }
  }, [])
  return hash
}

function App () {
  const node = useLoad(async () => api<NodeInfo>('GET', '/v1/id'), [])
  const hash = useHash()
  useEffect(() => { if (node.value != null) connectEvents() }, [node.value])
  if (node.error != null) return <LoggedOut error={node.error} />
  if (node.value == null) return <p>Loading…</p>
  const [page = 'files', arg = ''] = hash.replace(/^#\/?/, '').split('/')
  return (
    <div>
      <header>
        <h1>peershare</h1>
        <nav>{PAGES.map(([id, label]) => <a key={id} href={`#/${id}`} class={id === page ? 'current' : ''}>{label}</a>)}</nav>
        <span class="node" title={node.value.peerId}>{node.value.peerId.slice(-8)} <Words text={STREAM_NOTE[stream.value]} /></span>
        <button type="button" class="logout" onClick={() => { void api('POST', '/v1/webui/logout').finally(() => { location.reload() }) }}>Log out</button>
      </header>
      <main><Page page={page} arg={decoded(arg)} /></main>
    </div>
  )
}

function Page ({ page, arg }: { page: string, arg: string }) {
  if (page === 'search') return <SearchPage />
  if (page === 'transfers') return <TransfersPage />
  // keyed: another file's page starts afresh (a failed load keeps what it showed, which was another file's)
  if (page === 'offer') return <OfferPage key={arg} id={arg} />
  if (page === 'peers') return <PeersPage />
  if (page === 'contacts') return <ContactsPage />
  if (page === 'status') return <StatusPage />
  if (page === 'settings') return <SettingsPage />
  return <FilesPage />
}

function LoggedOut ({ error }: { error: string }) {
  return (
    <div class="logged-out">
      <h1>peershare</h1>
      <p>Open the link that <code>peershare webui</code> prints to log in.</p>
      <p class="error"><Words text={error} /></p>
    </div>
  )
}

render(<App />, document.getElementById('app') as HTMLElement)

/** A page argument from the address bar; one that is not valid percent-encoding is taken as typed (it threw, and the page froze) */
function decoded (arg: string): string {
  try {
    return decodeURIComponent(arg)
  } catch {
    return arg
  }
}
