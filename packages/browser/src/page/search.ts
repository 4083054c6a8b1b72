/**
 * The page's search: it connects to the daemons under Sources, asks every connected
 * peer that searches, lists the verified offers as text (names come from peers), and a
 * result's Download button fetches it by file id from the peers that answered with it.
 */
import type { BrowserPeer, SearchResult } from '../index.js'

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T

export interface SearchPage {
  getPeer(): Promise<BrowserPeer>
  /** the daemon addresses under Sources */
  sources(): string[]
  /** starts the download form with this file id and these sources */
  download(fileId: string, sources: string[]): void
}

export function setupSearch (page: SearchPage): void {
  $<HTMLFormElement>('search-form').addEventListener('submit', event => {
    event.preventDefault()
    void search(page, $<HTMLInputElement>('query').value.trim())
  })
}

async function search (page: SearchPage, text: string): Promise<void> {
  const status = $('search-status')
  const button = $<HTMLButtonElement>('search')
  button.disabled = true
  try {
    const peer = await page.getPeer()
    const sources = page.sources()
    if (sources.length > 0) {
      status.textContent = `Connecting to ${sources.length} daemon(s)…`
      await peer.connect(sources)
    }
    status.textContent = 'Searching…'
    const outcome = await peer.search(text, { onResults: results => { show(page, results) } })
    show(page, outcome.results)
    status.textContent = `${outcome.results.length} file(s); asked ${outcome.asked} peer(s), ${outcome.answered} answered`
  } catch (err: any) {
    status.textContent = `Failed: ${err.message}`
  } finally {
    button.disabled = false
  }
}

function show (page: SearchPage, results: SearchResult[]): void {
  $<HTMLTableElement>('results').tBodies[0].replaceChildren(...results.map(result => {
    const row = document.createElement('tr')
    row.dataset.fileId = result.fileId
    row.insertCell().textContent = result.name
    row.insertCell().textContent = `${(result.size / 1048576).toFixed(1)} MiB`
    const peers = row.insertCell()
    peers.textContent = String(result.peers.length)
    peers.className = 'peers'
    const get = document.createElement('button')
    get.type = 'button'
    get.textContent = 'Download'
    get.addEventListener('click', () => { page.download(result.fileId, result.peers.map(p => `/p2p/${p}`)) })
    row.insertCell().append(get)
    return row
  }))
}
