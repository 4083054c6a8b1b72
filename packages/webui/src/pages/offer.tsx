/** A file's page: the offer (each author's), its thumbnail, providers; and replicas when it is a local file */
import type { FileInfo, OfferDetail, OfferInfo, ReplicationInfo } from '@peershare/client'
import { api } from '../api.js'
import { ErrorLine, Loading, Section, Thumbnail, useLoad } from '../components.js'
import { formatBytes, formatDate } from '../format.js'

export function OfferPage ({ id }: { id: string }) {
  const detail = useLoad(async () => api<OfferDetail>('GET', `/v1/offers/${encodeURIComponent(id)}`), [id])
  // replicas are a local file's: a remote one has none here
  const replication = useLoad(async () => {
    const { files } = await api<{ files: FileInfo[] }>('GET', '/v1/files')
    if (!files.some(f => f.fileId === id)) return undefined
    return api<ReplicationInfo>('GET', `/v1/files/${encodeURIComponent(id)}/replication`)
  }, [id])
  const d = detail.value
  return (
    <Section title="File">
      <ErrorLine error={detail.error} />
      {d == null ? <Loading error={detail.error} /> : <OfferView detail={d} />}
      <h3>Replicas</h3>
      <Replication state={replication} />
    </Section>
  )
}

function OfferView ({ detail }: { detail: OfferDetail }) {
  const { offer } = detail
  return (
    <div class="offer">
      <Thumbnail fileId={detail.thumbnail?.fileId} />
      <h3 class="name">{offer.name}</h3>
      <p class="description">{offer.description}</p>
      <dl>
        <dt>Id</dt><dd><code>{offer.contentId}</code></dd>
        <dt>Size</dt><dd>{formatBytes(offer.size)}</dd>
        <dt>Type</dt><dd>{offer.mimeType} ({offer.category})</dd>
        <dt>Tags</dt><dd>{offer.tags.join(', ')}</dd>
        <dt>Created</dt><dd>{formatDate(offer.created)}</dd>
        <dt>SHA-256</dt><dd><code>{offer.sha256}</code></dd>
      </dl>
      <h3>Authors</h3>
      <ul>{detail.offers.map((o: OfferInfo) => <li key={o.author}><code>{o.author}</code> (seq {o.seq}): {o.name}</li>)}</ul>
      <h3>Providers</h3>
      <ul>{detail.providers.map(p => <li key={p.peerId}><code>{p.peerId}</code> {p.addresses.join(' ')}</li>)}</ul>
    </div>
  )
}

function Replication ({ state }: { state: { value?: ReplicationInfo, error?: string } & Record<string, unknown> }) {
  if (state.error != null) return <ErrorLine error={state.error} />
  if (!('value' in state)) return <p>Loading…</p>
  if (state.value == null) return <p>Not on this node: download it from Search to keep a copy.</p>
  return <Replicas info={state.value} />
}

function Replicas ({ info }: { info: ReplicationInfo }) {
  if (info.state === 'none') return <p>Kept on this node only.</p>
  return (
    <div class="replication">
      <p>{info.state}: {info.live.length} live of {info.policy.min}:{info.policy.max}{info.reason == null ? '' : ` (${info.reason})`}</p>
      <ul>
        {info.live.map(p => <li key={p}><code>{p}</code> live</li>)}
        {info.fetching.map(p => <li key={p}><code>{p}</code> fetching</li>)}
        {info.lost.map(p => <li key={p}><code>{p}</code> lost</li>)}
      </ul>
    </div>
  )
}
