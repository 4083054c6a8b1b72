/**
 * `peershare replicate <file-id> [<min>[:<max>]]`: keep a shared file alive on min..max
 * peers (none: config `replication.replicas`; 0: local only); placement starts at once
 */
import type { ReplicationInfo } from '@peershare/client'
import type { CommandContext } from '../context.js'
import { formatDuration } from '../format.js'
import { checkIdPrefix } from './id-prefix.js'

export async function replicate (options: { fileId: string, replicas?: string, json?: boolean }, { client, print }: Pick<CommandContext, 'client' | 'print'>): Promise<void> {
  checkIdPrefix(options.fileId)
  const info = await client.replicate(options.fileId, options.replicas)
  if (options.json === true) {
    print(JSON.stringify(info))
    return
  }
  replicationLines(info).forEach(print)
}

/** A file's replication as `status <file-id>`, `replicate` and `share --replicas` print it */
export function replicationLines (info: ReplicationInfo, now = Date.now()): string[] {
  if (info.state === 'none') return [`file id        ${info.fileId}`, 'replicas       none (local only)']
  const { min, max } = info.policy
  const lines = [
    `file id        ${info.fileId}`,
    `replicas       ${info.live.length} live${info.fetching.length > 0 ? `, ${info.fetching.length} fetching` : ''}, target ${min}:${max}`,
    `state          ${info.state}${info.reason != null ? `: ${info.reason}` : ''}`
  ]
  info.live.forEach((peer, i) => { lines.push(`${i === 0 ? 'held by       ' : '              '} ${peer}`) })
  info.fetching.forEach((peer, i) => { lines.push(`${i === 0 ? 'fetching      ' : '              '} ${peer}`) })
  info.lost.forEach((peer, i) => { lines.push(`${i === 0 ? 'lost          ' : '              '} ${peer} (being replaced)`) })
  lines.push(`last check     ${info.lastCheck == null ? 'none yet' : `${formatDuration(Math.max(0, now - info.lastCheck) / 1000)} ago`}`)
  return lines
}
