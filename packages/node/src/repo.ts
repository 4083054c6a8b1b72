/**
 * The repo directory layout, private to its user: directories 0700, files 0600
 * (file-modes.ts), checked at every open:
 *
 *   <repo>/identity.key     libp2p private key (protobuf)
 *   <repo>/config.json      settings (written by the user, and by `limits` at run time)
 *   <repo>/datastore/       datastore-level: file records, manifests, peer store, DHT
 *   <repo>/blobs/           content of shared files, one file per file id
 *   <repo>/api.json         control API address and token of the running daemon
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { API_FILE } from '@peershare/client/repo'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { RepoError } from './errors.js'
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, makePrivate } from './file-modes.js'

export interface RepoPaths {
  root: string
  identity: string
  datastore: string
  blobs: string
  api: string
}

export function repoPaths (root: string): RepoPaths {
  return {
    root,
    identity: join(root, 'identity.key'),
    datastore: join(root, 'datastore'),
    blobs: join(root, 'blobs'),
    api: join(root, API_FILE)
  }
}

/** Creates the repo directories if missing, and makes everything in the repo private to its user */
export async function initRepo (root: string): Promise<RepoPaths> {
  const paths = repoPaths(root)
  for (const dir of [paths.root, paths.blobs, paths.datastore]) await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE })
  await makePrivate(paths.root)
  return paths
}

/** Loads the node's identity, creating and persisting an Ed25519 key on first start */
export async function loadIdentity (paths: RepoPaths): Promise<PrivateKey> {
  let bytes: Buffer | undefined
  try {
    bytes = await readFile(paths.identity)
  } catch (err: any) {
    if (err.code !== 'ENOENT') throw new RepoError(`Cannot read identity ${paths.identity}: ${err.message}`)
  }
  if (bytes != null) {
    try {
      return privateKeyFromProtobuf(bytes)
    } catch (err: any) {
      throw new RepoError(`Identity file ${paths.identity} is corrupt: ${err.message}`)
    }
  }
  const key = await generateKeyPair('Ed25519')
  await writeFileAtomic(paths.identity, privateKeyToProtobuf(key))
  return key
}

/** atomic writes made by this process: each its own temporary file, so two at once do not write into one */
let atomicWrites = 0

/** Writes via a temporary file and rename, so a crash never leaves half a file */
export async function writeFileAtomic (path: string, data: string | Uint8Array, mode = PRIVATE_FILE_MODE): Promise<void> {
  const tmp = `${path}.${process.pid}.${++atomicWrites}.tmp`
  await writeFile(tmp, data, { mode })
  await rename(tmp, path)
}
