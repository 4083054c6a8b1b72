/** Search and browse: words and filters, categories with counts, sort; results with thumbnails and a Download button */
import { type BrowseResult, OFFER_CATEGORIES, type SearchHit, type SearchRequest, type TransferProgress } from '@peershare/client'
import { useEffect, useRef, useState } from 'preact/hooks'
import { api, search } from '../api.js'
import { ErrorLine, Section, Thumbnail, useAction, useLoad } from '../components.js'
import { formatBytes, formatDate } from '../format.js'
import { answerTransfer } from '../live.js'

const SORTS: ReadonlyArray<NonNullable<SearchRequest['sort']>> = ['relevance', 'name', 'size', 'date', 'providers']

export function SearchPage () {
  const [text, setText] = useState('')
  const [category, setCategory] = useState('')
  const [sort, setSort] = useState<NonNullable<SearchRequest['sort']>>('relevance')
  const [minMiB, setMinMiB] = useState('')
  const [maxMiB, setMaxMiB] = useState('')
  const [local, setLocal] = useState(false)
  const [hits, setHits] = useState<SearchHit[]>()
  const [status, setStatus] = useState('')
  const action = useAction()
  const current = useRef<AbortController | undefined>(undefined)
  const counts = useLoad(async () => api<BrowseResult>('GET', '/v1/browse?pageSize=1'), [])

  const run = (event?: Event): void => {
    event?.preventDefault()
    // a size that is not a number was dropped without a word, and everything listed
    const bad = [minMiB, maxMiB].find(v => v !== '' && !(Number(v) >= 0 && Number.isFinite(Number(v))))
    if (bad != null) {
      setStatus(`"${bad}" is not a size in MiB: give a number, e.g. 1.5`)
      return
    }
    const request: SearchRequest = {
      text,
      sort,
      local,
      ...(category === '' ? {} : { category }),
      ...(minMiB === '' ? {} : { minSize: Math.round(Number(minMiB) * 1024 * 1024) }),
      ...(maxMiB === '' ? {} : { maxSize: Math.round(Number(maxMiB) * 1024 * 1024) })
    }
    setStatus('Searching…')
    // a new search replaces the one under way: its late answers must not overwrite these
    current.current?.abort()
    const controller = new AbortController()
    current.current = controller
    action.run(async () => search(request, update => {
      if (controller.signal.aborted) return
      if (update.type === 'results') {
        setHits(update.results)
        setStatus(`${update.total} found (${update.from === 'local' ? 'this node' : 'with peers'})`)
      } else if (update.type === 'done') setStatus(s => `${s}; ${update.answered} of ${update.asked} peers answered`)
      else setStatus(update.error.message)
    }, controller.signal).catch((err: unknown) => { if (!controller.signal.aborted) throw err }))
  }
  // opens on every offer this node and its peers know
  useEffect(() => { run() }, [])
  return (
    <Section title="Search">
      <form class="search" onSubmit={run}>
        <input name="text" type="search" aria-label="Search words" placeholder="words, or nothing for everything" value={text} onInput={e => { setText((e.target as HTMLInputElement).value) }} />
        <select name="category" aria-label="Category" value={category} onChange={e => { setCategory((e.target as HTMLSelectElement).value) }}>
          <option value="">any category</option>
          {OFFER_CATEGORIES.map(c => <option key={c} value={c}>{c} ({counts.value?.categories?.[c] ?? 0})</option>)}
        </select>
        <select name="sort" aria-label="Order" value={sort} onChange={e => { setSort((e.target as HTMLSelectElement).value as typeof sort) }}>
          {SORTS.map(s => <option key={s} value={s}>{s}</option>)}
        </select>
        <input name="min" class="size" aria-label="Smallest size in MiB" placeholder="min MiB" value={minMiB} onInput={e => { setMinMiB((e.target as HTMLInputElement).value) }} />
        <input name="max" class="size" aria-label="Largest size in MiB" placeholder="max MiB" value={maxMiB} onInput={e => { setMaxMiB((e.target as HTMLInputElement).value) }} />
        <label><input type="checkbox" checked={local} onChange={e => { setLocal((e.target as HTMLInputElement).checked) }} /> this node only</label>
        <button type="submit">Search</button>
      </form>
      <p class="status">{status}</p>
      <ErrorLine error={action.error} />
      {hits == null ? null : <HitTable hits={hits} />}
    </Section>
  )
}

function HitTable ({ hits }: { hits: SearchHit[] }) {
  if (hits.length === 0) return <p>Nothing matched.</p>
  return (
    <table class="hits">
      <thead><tr><th /><th>Name</th><th>Size</th><th>Category</th><th>Tags</th><th>Providers</th><th>Date</th><th /></tr></thead>
      <tbody>{hits.map(h => <HitRow key={h.contentId} hit={h} />)}</tbody>
    </table>
  )
}

function HitRow ({ hit }: { hit: SearchHit }) {
  const action = useAction()
  /** the Download asked: 'kept' when the node had the file already (complete at once) */
  const [started, setStarted] = useState<false | 'started' | 'kept'>(false)
  const download = (): void => {
    action.run(async () => {
      const get = async (): Promise<TransferProgress> => await api<TransferProgress>('POST', '/v1/get', { ref: hit.contentId, detach: true, hold: true })
      const progress = hit.kind === 'file' ? await answerTransfer(hit.contentId, get) : await get()
      setStarted(progress?.state === 'completed' ? 'kept' : 'started')
    })
  }
  // this node's own offer: nothing to fetch (a download of it found no other provider and stalled);
  // one started: Transfers follows it (a button left "Downloading" for good said nothing)
  const downloadCell = () => hit.own
    ? <span class="own">Shared by this node</span>
    : started === 'kept'
      ? <a class="download-kept" href="#/files">Kept on this node: see Files</a>
      : started === 'started'
      ? <a class="download-started" href="#/transfers">Downloading: see Transfers</a>
      : <button type="button" class="download" disabled={action.busy} onClick={download}>Download</button>
  return (
    <tr class="hit" data-content-id={hit.contentId}>
      <td><Thumbnail fileId={hit.thumbnail} /></td>
      <td>
        <a class="name" href={`#/offer/${hit.contentId}`}>{hit.name}</a>
        {hit.description === '' ? null : <div class="description">{hit.description}</div>}
        <ErrorLine error={action.error} />
      </td>
      <td>{formatBytes(hit.size)}</td>
      <td>{hit.category}</td>
      <td>{hit.tags.join(', ')}</td>
      <td>{hit.providers}</td>
      <td>{formatDate(hit.created)}</td>
      <td>{downloadCell()}</td>
    </tr>
  )
}
