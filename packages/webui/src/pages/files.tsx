/** Files: share by upload (drag and drop or picker) with the options of `share`; the local files with ticket and remove */
import type { CollectionInfo, FileInfo, ShareResult, TicketInfo } from '@peershare/client'
import { useEffect, useState } from 'preact/hooks'
import { api, upload } from '../api.js'
import { ErrorLine, Loading, Section, Thumbnail, useAction, useLoad } from '../components.js'
import { formatBytes } from '../format.js'
import { filesVersion } from '../live.js'

export function FilesPage () {
  const version = filesVersion.value
  const list = useLoad(async () => api<{ files: FileInfo[], collections: CollectionInfo[] }>('GET', '/v1/files'), [version])
  return (
    <div>
      <ShareForm />
      <Section title="Shared and downloaded files">
        <ErrorLine error={list.error} />
        {list.value == null ? <Loading error={list.error} /> : <FileTable files={list.value.files} />}
      </Section>
      {list.value == null || list.value.collections.length === 0
        ? null
        : (
          <Section title="Collections (folders)">
            <CollectionTable collections={list.value.collections} />
          </Section>
          )}
    </div>
  )
}

function ShareForm () {
  const [files, setFiles] = useState<File[]>([])
  const [description, setDescription] = useState('')
  const [tags, setTags] = useState('')
  const [visibility, setVisibility] = useState('')
  const [to, setTo] = useState('')
  const [replicas, setReplicas] = useState('')
  /** each share with the name its file was uploaded under */
  const [shared, setShared] = useState<Array<ShareResult & { uploadedAs: string }>>([])
  const [dragging, setDragging] = useState(false)
  const action = useAction()

  const submit = (event: Event): void => {
    event.preventDefault()
    const options = shareOptions({ description, tags, visibility, to, replicas })
    action.run(async () => {
      const results: Array<ShareResult & { uploadedAs: string }> = []
      for (const file of files) results.push({ ...await upload<ShareResult>(file, options), uploadedAs: file.name })
      setShared(results)
      setFiles([])
      setDescription('')
      setTags('')
      setTo('')
      setReplicas('')
    })
  }
  const drop = (event: DragEvent): void => {
    event.preventDefault()
    setDragging(false)
    setFiles([...(event.dataTransfer?.files ?? [])])
  }
  return (
    <Section title="Share">
      <form class="share" onSubmit={submit}>
        <label
          class={dragging ? 'drop dragging' : 'drop'}
          onDragOver={e => { e.preventDefault(); setDragging(true) }}
          onDragLeave={() => { setDragging(false) }}
          onDrop={drop}
        >
          {files.length === 0 ? 'Drop files here, or pick them' : files.map(f => f.name).join(', ')}
          <input type="file" multiple name="file" onChange={e => { setFiles([...((e.target as HTMLInputElement).files ?? [])]) }} />
        </label>
        <label>Description <input name="description" value={description} onInput={e => { setDescription((e.target as HTMLInputElement).value) }} /></label>
        <label>Tags <input name="tags" placeholder="comma separated" value={tags} onInput={e => { setTags((e.target as HTMLInputElement).value) }} /></label>
        <label>Visibility
          <select name="visibility" value={visibility} onChange={e => { setVisibility((e.target as HTMLSelectElement).value) }}>
            <option value="">default (public; private when encrypted)</option>
            <option value="public">public</option><option value="contacts">contacts</option><option value="private">private</option>
          </select>
        </label>
        <label>Encrypt for <input name="to" placeholder="peer ids or contact names, comma separated" value={to} onInput={e => { setTo((e.target as HTMLInputElement).value) }} /></label>
        <label>Replicas <input name="replicas" placeholder="min:max, e.g. 2:4" value={replicas} onInput={e => { setReplicas((e.target as HTMLInputElement).value) }} /></label>
        <button type="submit" disabled={files.length === 0 || action.busy}>{action.busy ? 'Sharing…' : 'Share'}</button>
      </form>
      <ErrorLine error={action.error} />
      {shared.map(s => (
        <p class="shared" key={s.fileId}>
          Shared <b>{s.name}</b>
          {/* the daemon gives a name no file system refuses (no / \ : * ? " < > |, no leading dot): said, not silently changed */}
          {s.name === s.uploadedAs.normalize('NFC') ? '' : <span class="renamed"> (uploaded as <q>{s.uploadedAs}</q>: renamed so every file system takes it)</span>}
          : <Ticket ticket={s.ticket} />
        </p>
      ))}
    </Section>
  )
}

/** The form's fields as `share` takes them; empty ones left out */
function shareOptions (form: { description: string, tags: string, visibility: string, to: string, replicas: string }): Record<string, unknown> {
  const list = (text: string): string[] => text.split(',').map(t => t.trim()).filter(t => t !== '')
  return {
    ...(form.description === '' ? {} : { description: form.description }),
    ...(list(form.tags).length === 0 ? {} : { tags: list(form.tags) }),
    ...(form.visibility === '' ? {} : { visibility: form.visibility }),
    ...(list(form.to).length === 0 ? {} : { to: list(form.to) }),
    ...(form.replicas.trim() === '' ? {} : { replicas: form.replicas.trim() })
  }
}

function FileTable ({ files }: { files: FileInfo[] }) {
  if (files.length === 0) return <p>No files yet: share one above, or download one from Search.</p>
  return (
    <table class="files">
      <thead><tr><th /><th>Name</th><th>Size</th><th>Category</th><th>Tags</th><th>Visibility</th><th>Replicas</th><th /></tr></thead>
      <tbody>{files.map(f => <FileRow key={f.fileId} file={f} />)}</tbody>
    </table>
  )
}

function FileRow ({ file }: { file: FileInfo }) {
  const [ticket, setTicket] = useState<string>()
  const action = useAction()
  const replicas = file.replicas == null ? '' : `${file.replicas.live} live (${file.replicas.min}:${file.replicas.max})`
  return (
    <tr class="file" data-file-id={file.fileId}>
      <td><Thumbnail fileId={file.thumbnail} /></td>
      <td>
        <a class="name" href={`#/offer/${file.fileId}`}>{file.name}</a>
        {file.description === '' ? null : <div class="description">{file.description}</div>}
        {ticket == null ? null : <Ticket ticket={ticket} />}
        <ErrorLine error={action.error} />
      </td>
      <td>{formatBytes(file.size)}</td>
      <td>{file.category}</td>
      <td>{file.tags.join(', ')}</td>
      <td>{file.visibility ?? 'public'}{file.encrypted === true ? ' (encrypted)' : ''}</td>
      <td>{replicas}</td>
      <td>
        <div class="actions">
          <a href={`/v1/content/${file.fileId}`} download={file.name}>Save</a>
          <button type="button" onClick={() => { action.run(async () => { setTicket((await api<TicketInfo>('GET', `/v1/files/${file.fileId}/ticket`)).ticket) }) }}>Ticket</button>
          <button type="button" class="danger" onClick={() => { if (confirm(`Remove ${file.name}?`)) action.run(async () => api('DELETE', `/v1/files/${file.fileId}`)) }}>Remove</button>
        </div>
      </td>
    </tr>
  )
}

function CollectionTable ({ collections }: { collections: CollectionInfo[] }) {
  return (
    <table class="collections">
      <thead><tr><th>Name</th><th>Files</th><th>Size</th><th>Category</th><th>Tags</th><th /></tr></thead>
      <tbody>{collections.map(c => <CollectionRow key={c.collectionId} collection={c} />)}</tbody>
    </table>
  )
}

function CollectionRow ({ collection: c }: { collection: CollectionInfo }) {
  const [ticket, setTicket] = useState<string>()
  const action = useAction()
  return (
    <tr class="collection" data-collection-id={c.collectionId}>
      <td>
        <span class="name">{c.name}</span>
        {c.description === '' ? null : <div class="description">{c.description}</div>}
        {ticket == null ? null : <Ticket ticket={ticket} />}
        <ErrorLine error={action.error} />
      </td>
      <td>{c.files}</td>
      <td>{formatBytes(c.size)}</td>
      <td>{c.category}</td>
      <td>{c.tags.join(', ')}</td>
      <td>
        <div class="actions">
          <button type="button" onClick={() => { action.run(async () => { setTicket((await api<TicketInfo>('GET', `/v1/files/${c.collectionId}/ticket`)).ticket) }) }}>Ticket</button>
          <button type="button" class="danger" onClick={() => { if (confirm(`Remove ${c.name}?`)) action.run(async () => api('DELETE', `/v1/files/${c.collectionId}`)) }}>Remove</button>
        </div>
      </td>
    </tr>
  )
}

/** How long the Copy button says "Copied" */
const COPIED_MS = 2000

function Ticket ({ ticket }: { ticket: string }) {
  const [copied, setCopied] = useState(false)
  useEffect(() => {
    if (!copied) return
    // back to "Copy", so a second copy (another ticket in the field) is said too
    const timer = setTimeout(() => { setCopied(false) }, COPIED_MS)
    return () => { clearTimeout(timer) }
  }, [copied])
  return (
    <span class="ticket">
      <input readOnly value={ticket} onFocus={e => { (e.target as HTMLInputElement).select() }} />
      <button type="button" onClick={() => { void navigator.clipboard?.writeText(ticket).then(() => { setCopied(true) }) }}>{copied ? 'Copied' : 'Copy'}</button>
    </span>
  )
}
