/**
 * Real nodes for the replication specs: a sharer on 127.0.0.1 and nodes made connected to
 * it, with the helpers the specs share.
 */
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import type { FileRecord, NodeInit, PeershareNode } from '../src/index.js'
import type { ReplicateRequest } from '../src/replication/index.js'
import { dialAddress, randomFile, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

export const KiB = 1024

/** Polls an async condition (tests wait on conditions, never fixed sleeps) */
export async function eventually (condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  await until(condition, timeoutMs)
}

export function requestFor (record: FileRecord, encrypted = false): ReplicateRequest {
  return { fileId: record.fileId, size: record.size, policy: { min: 2, max: 3 }, encrypted }
}

/** A sharer and the nodes a spec starts beside it (each connected to the sharer); `stop` ends them all */
export class ReplicationNodes {
  private readonly others: PeershareNode[] = []

  private constructor (readonly dir: TestDir, readonly sharer: PeershareNode) {}

  static async start (): Promise<ReplicationNodes> {
    const dir = await tempDir()
    return new ReplicationNodes(dir, await startTestNode(join(dir.path, 'sharer')))
  }

  async node (name: string, replication: NodeInit['replication'] = {}, init: NodeInit = {}): Promise<PeershareNode> {
    const started = await startTestNode(join(this.dir.path, name), { ...init, replication })
    this.others.push(started)
    await started.connect(multiaddr(dialAddress(this.sharer)))
    return started
  }

  async share (name: string, size: number): Promise<FileRecord> {
    return this.sharer.share(await randomFile(this.dir.path, name, size))
  }

  /** A node the spec stopped itself: not stopped again at the end */
  forget (node: PeershareNode): void {
    this.others.splice(this.others.indexOf(node), 1)
  }

  async stop (): Promise<void> {
    for (const n of [...this.others, this.sharer]) await n.stop().catch(() => {})
    await this.dir.cleanup()
  }
}

/** True once `holder` holds `fileId` as a replica */
export function held (holder: PeershareNode, fileId: string): () => boolean {
  return () => holder.holder.list().some(r => r.fileId === fileId && r.state === 'held')
}
