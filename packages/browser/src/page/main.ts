/**
 * The browser peer's page (peer.html): one peer for the page's life, a download with
 * progress per source, and a save link to the finished file. Peer-supplied text (file
 * names, peer ids) goes in as text, never as HTML.
 */
import { type BrowserPeer, createBrowserPeer, type DownloadedFile, type DownloadProgress } from '../index.js'
import { setupReach, showConnections } from './reach.js'
import { setupSearch } from './search.js'

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T
const form = $<HTMLFormElement>('get')
const status = $<HTMLParagraphElement>('status')
const progress = $<HTMLProgressElement>('progress')
const perSource = $<HTMLTableElement>('per-source').tBodies[0]
const start = $<HTMLButtonElement>('start')
const cancel = $<HTMLButtonElement>('cancel')
let peer: Promise<BrowserPeer> | undefined
let running: AbortController | undefined
let saveUrl: string | undefined

function say (text: string, error = false): void {
  status.textContent = text
  status.classList.toggle('error', error)
}

function mib (bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`
}

let lastSources: Record<string, number> = {}

function show (p: DownloadProgress): void {
  lastSources = p.sources
  progress.max = Math.max(1, p.size)
  progress.value = p.bytes
  const rejected = p.rejectedChunks > 0 ? `, ${p.rejectedChunks} bad chunk(s) rejected` : ''
  say(p.stall != null ? `Waiting: ${p.stall}` : `${p.name}: ${mib(p.bytes)} of ${mib(p.size)}${rejected}`)
  perSource.replaceChildren(...Object.entries(p.sources).map(([id, bytes]) => {
    const row = perSource.insertRow()
    row.dataset.peer = id
    row.insertCell().textContent = id
    const cell = row.insertCell()
    cell.textContent = String(bytes)
    cell.className = 'bytes'
    return row
  }))
}

/** The save link (an object URL of the stored file) and the verified SHA-256 */
function showDone (file: DownloadedFile, url: string): void {
  const save = document.createElement('a')
  save.id = 'save'
  save.href = url
  save.download = file.name
  save.textContent = `Save ${file.name} (${mib(file.size)})`
  const hash = document.createElement('code')
  hash.id = 'sha256'
  hash.textContent = file.sha256
  const wire = document.createElement('span')
  wire.id = 'wire-bytes'
  wire.textContent = String(file.wireBytes)
  const rejected = document.createElement('span')
  rejected.id = 'rejected'
  rejected.textContent = String(file.rejectedChunks)
  $('done').replaceChildren(save, ' SHA-256 ', hash, ' · bytes received on the wire: ', wire, ' · chunks rejected: ', rejected)
}

async function run (event: SubmitEvent): Promise<void> {
  event.preventDefault()
  const sources = $<HTMLTextAreaElement>('sources').value.split(/\s+/).filter(s => s !== '')
  const fileId = $<HTMLInputElement>('file-id').value.trim()
  running = new AbortController()
  start.disabled = true
  cancel.disabled = false
  $('done').hidden = true
  if (saveUrl != null) URL.revokeObjectURL(saveUrl)
  try {
    peer ??= createBrowserPeer()
    say('Connecting…')
    const file = await (await peer).download(fileId, sources, { signal: running.signal, onProgress: show })
    saveUrl = URL.createObjectURL(file.blob)
    showDone(file, saveUrl)
    // listed before #done shows, so whoever waits for it finds them
    showConnections(await getPeer(), Object.keys(lastSources))
    $('done').hidden = false
    say(`Done: ${file.name}, ${mib(file.size)} verified${file.resumedBytes > 0 ? `, ${mib(file.resumedBytes)} resumed from storage` : ''}`)
  } catch (err: any) {
    say(`Failed: ${err.message}`, true)
  } finally {
    start.disabled = false
    cancel.disabled = true
  }
}

/** Shares the picked file, connects to the listed daemons, and says how they fetch it */
async function share (event: SubmitEvent): Promise<void> {
  event.preventDefault()
  const file = $<HTMLInputElement>('share-file').files?.[0]
  const sources = $<HTMLTextAreaElement>('sources').value.split(/\s+/).filter(s => s !== '')
  const status = $('share-status')
  if (file == null) return
  try {
    peer ??= createBrowserPeer()
    const p = await peer
    status.textContent = `Hashing ${file.name}…`
    const shared = await p.share(file)
    status.textContent = `Connecting to ${sources.length} daemon(s)…`
    await p.connect(sources)
    status.textContent = `Sharing ${shared.name} (${mib(shared.size)}) while this page is open`
    const id = document.createElement('code')
    id.id = 'shared-id'
    id.textContent = shared.fileId
    const from = document.createElement('code')
    from.id = 'page-peer'
    from.textContent = `/p2p/${p.libp2p.peerId.toString()}`
    const command = document.createElement('code')
    command.textContent = `peershare get ${shared.fileId} --peer /p2p/${p.libp2p.peerId.toString()}`
    $('shared').replaceChildren('File id ', id, ' · this page ', from, document.createElement('br'), 'On a connected daemon: ', command)
    $('shared').hidden = false
  } catch (err: any) {
    status.textContent = `Failed: ${err.message}`
  }
}

const getPeer = async (): Promise<BrowserPeer> => { peer ??= createBrowserPeer(); return peer }
const sourcesGiven = (): string[] => $<HTMLTextAreaElement>('sources').value.split(/\s+/).filter(s => s !== '')
setupReach(getPeer)
setupSearch({
  getPeer,
  sources: sourcesGiven,
  download (fileId, sources) {
    $<HTMLTextAreaElement>('sources').value = sources.join('\n')
    $<HTMLInputElement>('file-id').value = fileId
    form.requestSubmit()
  }
})
form.addEventListener('submit', event => { void run(event) })
$<HTMLFormElement>('share-form').addEventListener('submit', event => { void share(event) })
cancel.addEventListener('click', () => { running?.abort(new Error('cancelled')) })
$('forget').addEventListener('click', () => { void forget() })

async function forget (): Promise<void> {
  const fileId = $<HTMLInputElement>('file-id').value.trim()
  if (fileId === '') return
  try {
    peer ??= createBrowserPeer()
    await (await peer).forget(fileId)
    say(`Forgot the stored chunks of ${fileId}`)
  } catch (err: any) {
    say(`Failed: ${err.message}`, true)
  }
}

// a link may carry the sources and file id: /peer/?file=<id>&from=<multiaddr>&from=<multiaddr>
const params = new URLSearchParams(location.search)
$<HTMLTextAreaElement>('sources').value = params.getAll('from').join('\n')
$<HTMLInputElement>('file-id').value = params.get('file') ?? ''
