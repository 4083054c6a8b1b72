/**
 * `peershare limits [--upload R] [--download R] [--upload-per-peer R]`: shows the node's
 * bandwidth limits, or changes the ones given; the daemon saves changes in
 * `<repo>/config.json` unless `--temporary`. Rates are checked here, before the daemon
 * is asked, so a typo is reported even when no daemon runs.
 */
import type { BandwidthLimits, LimitsRequest } from '@peershare/client'
import type { Print } from '../context.js'

/** The part of the control API client this command uses */
export interface LimitsClient {
  limits(): Promise<BandwidthLimits>
  /** changes the limits given and answers all of them */
  setLimits(limits: LimitsRequest): Promise<BandwidthLimits>
}

export interface LimitsOptions {
  upload?: string
  download?: string
  uploadPerPeer?: string
  /** apply until the daemon stops, without saving to config.json */
  temporary?: boolean
  json?: boolean
}

export interface LimitsContext {
  client: LimitsClient
  print: Print
  /** text -> bytes/s, throws InvalidRateError (the node's parseRate) */
  parseRate(text: string): number
  /** bytes/s -> "8 MiB/s" or "unlimited" (the node's formatRate) */
  formatRate(bytesPerSecond: number): string
}

export async function limits (options: LimitsOptions, { client, print, parseRate, formatRate }: LimitsContext): Promise<void> {
  const change: Partial<BandwidthLimits> = {}
  if (options.upload != null) change.upload = parseRate(options.upload)
  if (options.uploadPerPeer != null) change.uploadPerPeer = parseRate(options.uploadPerPeer)
  if (options.download != null) change.download = parseRate(options.download)
  const changing = Object.keys(change).length > 0
  const current = changing ? await client.setLimits(options.temporary === true ? { ...change, temporary: true } : change) : await client.limits()
  if (options.json === true) {
    print(JSON.stringify({ upload: current.upload, uploadPerPeer: current.uploadPerPeer, download: current.download }))
    return
  }
  print(`upload      ${formatRate(current.upload)}`)
  print(`per peer    ${formatRate(current.uploadPerPeer)}`)
  print(`download    ${formatRate(current.download)}`)
}
