/** Control API routes of replication: set a file's policy, read its state (replication/keeper/) */
import type { ServerResponse } from 'node:http'
import type { ReplicateRequestBody, ReplicationInfo } from '@peershare/client'
import { BadRequestError } from '../errors.js'
import type { PeershareNode } from '../peershare-node.js'
import { describeShort } from '../replication/decide.js'
import type { ReplicationPolicy } from '../replication/index.js'
import { parsePolicy } from '../replication/keeper/keeper.js'
import type { FileReplication } from '../replication/keeper/replicator.js'
import { sendJson } from './json-response.js'

/** Answers the route if it is one of these; false otherwise */
export async function handleReplicationRoute (node: PeershareNode, route: string, res: ServerResponse, body: unknown): Promise<boolean> {
  const set = /^POST \/v1\/files\/([A-Za-z0-9]+)\/replication$/.exec(route)
  if (set != null) {
    const { record, status } = await node.replicate(set[1], replicasArg(node, body))
    sendJson(res, 200, replicationInfo(record.fileId, record.replication ?? { min: 0, max: 0 }, status))
    return true
  }
  const get = /^GET \/v1\/files\/([A-Za-z0-9]+)\/replication$/.exec(route)
  if (get != null) {
    const fileId = await node.localContentId(get[1])
    const status = await node.replication(fileId)
    sendJson(res, 200, replicationInfo(fileId, status?.policy ?? { min: 0, max: 0 }, status))
    return true
  }
  return false
}

/** `"replicas": "<min>[:<max>]"` (absent or 'default': config `replication.replicas`) */
export function replicasArg (node: PeershareNode, body: unknown): ReplicationPolicy | undefined {
  const replicas = (body as Partial<ReplicateRequestBody> | undefined)?.replicas
  if (replicas == null || replicas === 'default') return undefined
  if (typeof replicas !== 'string') throw new BadRequestError('"replicas" is "<min>" or "<min>:<max>", e.g. "3:5"')
  return parsePolicy(replicas, node.config.replication.replicas)
}

export function replicationInfo (fileId: string, policy: ReplicationPolicy, status: FileReplication | undefined): ReplicationInfo {
  if (status == null || policy.min === 0) return { fileId, policy, state: 'none', live: [], fetching: [], lost: [] }
  return {
    fileId,
    policy: status.policy,
    state: status.state,
    live: status.live,
    fetching: status.fetching,
    lost: status.lost,
    ...(status.why != null ? { why: status.why, reason: describeShort(status.why) } : {}),
    ...(status.lastCheck != null ? { lastCheck: status.lastCheck } : {}),
    role: status.role
  }
}
