/** How `get` shows a collection: one bar for the whole tree, and where it was saved */
import type { GetEvent } from '@peershare/client'
import { formatBytes } from '../format.js'
import type { ProgressEvent } from './get.js'

type CollectionEvent = Extract<GetEvent, { type: 'collection-progress' }>

/** The collection's progress in the shape the bar draws: files done in the name, active downloads as sources */
export function collectionAsProgress (event: CollectionEvent): ProgressEvent {
  return {
    type: 'progress',
    fileId: event.collectionId,
    name: `${event.name} ${event.filesDone}/${event.filesTotal} files`,
    output: event.output,
    state: event.state === 'completed' ? 'completed' : event.state === 'failed' ? 'failed' : 'running',
    priority: 'normal',
    bytesDone: event.bytesDone,
    bytesTotal: event.bytesTotal,
    rate: event.rate,
    eta: null,
    stallReason: null,
    stallMessage: null,
    nextLookIn: null,
    sources: event.active,
    sourceStats: [],
    bytesReceived: event.bytesDone,
    banned: []
  }
}

export function collectionSaved (done: Extract<GetEvent, { type: 'done', collection: unknown }>): string {
  const { collection } = done
  return `Saved ${collection.name}: ${collection.files} files (${formatBytes(collection.size)}) to ${done.path}`
}
