/**
 * `POST /v1/upload?name=<file name>&options=<JSON>`: the web UI's share by upload. The
 * body is the file's bytes, streamed to a staging file in the repo (`<repo>/uploads/`),
 * shared like `POST /v1/share` with the options (a ShareRequest without paths: tags,
 * description, visibility, to, replicas), then removed: an upload is always shared as
 * a copy in the blob store (`copy`), there is no user's file to serve in place. At most config `maxUploadBytes`; a full disk is ERR_DISK_FULL.
 */
import { randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { CollectionShareResult, ShareResult } from '@peershare/client'
import { sanitizeFileName } from '@peershare/protocol'
import { BadRequestError, fsError } from '../../errors.js'
import type { PeershareNode } from '../../peershare-node.js'
import { HttpError } from '../http-errors.js'
import { shareRequest } from '../routes.js'

/** Longest options parameter (JSON) an upload may carry */
const MAX_OPTIONS_LENGTH = 64 * 1024

export async function uploadAndShare (node: PeershareNode, req: IncomingMessage, url: URL): Promise<ShareResult | CollectionShareResult> {
  const name = sanitizeFileName(url.searchParams.get('name') ?? '')
  const options = uploadOptions(url.searchParams.get('options'))
  const declared = Number(req.headers['content-length'] ?? 0)
  const max = node.config.maxUploadBytes
  if (declared > max) throw tooLarge(max)
  const dir = join(node.paths.root, 'uploads', randomUUID())
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const path = join(dir, name)
    await pipeline(req, byteLimit(max), createWriteStream(path, { mode: 0o600 })).catch((err: any) => { throw fsError(err, path) })
    return await shareRequest(node, { ...options, path, copy: true })
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function uploadOptions (text: string | null): Record<string, unknown> {
  if (text == null) return {}
  if (text.length > MAX_OPTIONS_LENGTH) throw new BadRequestError(`"options" is at most ${MAX_OPTIONS_LENGTH} characters`)
  let options: unknown
  try {
    options = JSON.parse(text)
  } catch {
    throw new BadRequestError('"options" is not JSON')
  }
  if (options == null || typeof options !== 'object' || Array.isArray(options)) throw new BadRequestError('"options" is a JSON object')
  // the file is the upload's: options name no paths
  const { path: _path, paths: _paths, ...rest } = options as Record<string, unknown>
  return rest
}

/** Passes bytes through, failing once more than `max` went by */
function byteLimit (max: number): Transform {
  let seen = 0
  return new Transform({
    transform (chunk: Buffer, _encoding, done) {
      seen += chunk.byteLength
      done(seen > max ? tooLarge(max) : null, chunk)
    }
  })
}

function tooLarge (max: number): HttpError {
  return new HttpError(413, 'ERR_TOO_LARGE', `Uploads are at most ${max} bytes (config maxUploadBytes)`)
}
