/**
 * The repo directory layout, created on first use with owner-only permissions:
 *
 *   <repo>/identity.key     libp2p private key (protobuf), mode 0600
 *   <repo>/datastore/       datastore-level: file records, manifests, peer store, DHT
 *   <repo>/blobs/           content of shared files, one file per file id
 *   <repo>/api.json         control API address and token of the running daemon, mode 0600
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { API_FILE } from '@peershare/client/repo'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { RepoError } from './errors.js'

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

/** Creates the repo directories if missing (mode 0700: other local users stay out) */
export async function initRepo (root: string): Promise<RepoPaths> {
  const paths = repoPaths(root)
  await mkdir(paths.root, { recursive: true, mode: 0o700 })
  await mkdir(paths.blobs, { recursive: true, mode: 0o700 })
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
  await writeFileAtomic(paths.identity, privateKeyToProtobuf(key), 0o600)
  return key
}

/** Writes via a temporary file and rename, so a crash never leaves half a file */
export async function writeFileAtomic (path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, data, { mode })
  await rename(tmp, path)
}
