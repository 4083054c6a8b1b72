import assert from 'node:assert/strict'
import type { BandwidthLimits } from '@peershare/client'
import { type LimitsClient, limits } from '../src/commands/limits.js'
import { capture } from './fakes.js'

const MiB = 1024 * 1024

/** Stand-ins for the node's parseRate / formatRate, enough for the cases below */
function parseRate (text: string): number {
  const rates: Record<string, number> = { unlimited: 0, '8MiB/s': 8 * MiB, '1MiB': MiB }
  if (rates[text] != null) return rates[text]
  throw Object.assign(new Error(`Invalid rate "${text}"`), { name: 'InvalidRateError' })
}

function formatRate (bytes: number): string {
  return bytes === 0 ? 'unlimited' : `${bytes / MiB} MiB/s`
}

interface FakeLimitsClient extends LimitsClient {
  calls: Array<{ method: string, request?: unknown }>
}

/** Holds limits like the daemon would and records every call */
function fakeLimitsClient (start: BandwidthLimits = { upload: 8 * MiB, uploadPerPeer: 0, download: 0 }): FakeLimitsClient {
  const current = { ...start }
  const calls: FakeLimitsClient['calls'] = []
  return {
    calls,
    limits: async () => {
      calls.push({ method: 'limits' })
      return { ...current }
    },
    setLimits: async (request) => {
      calls.push({ method: 'setLimits', request })
      Object.assign(current, request)
      return { ...current }
    }
  }
}

describe('limits command', () => {
  it('prints the current limits, one a line', async () => {
    const client = fakeLimitsClient()
    const out = capture()
    await limits({}, { client, print: out.print, parseRate, formatRate })
    assert.deepEqual(client.calls, [{ method: 'limits' }])
    assert.deepEqual(out.lines, [
      'upload      8 MiB/s',
      'per peer    unlimited',
      'download    unlimited'
    ])
  })

  it('sets only the rates given, in bytes per second, and prints the result', async () => {
    const client = fakeLimitsClient()
    const out = capture()
    await limits({ download: '1MiB', uploadPerPeer: 'unlimited' }, { client, print: out.print, parseRate, formatRate })
    assert.deepEqual(client.calls, [{ method: 'setLimits', request: { uploadPerPeer: 0, download: MiB } }])
    assert.deepEqual(out.lines, [
      'upload      8 MiB/s',
      'per peer    unlimited',
      'download    1 MiB/s'
    ])
  })

  it('prints one JSON object with --json', async () => {
    const out = capture()
    await limits({ upload: 'unlimited', json: true }, { client: fakeLimitsClient(), print: out.print, parseRate, formatRate })
    assert.equal(out.lines.length, 1)
    assert.deepEqual(JSON.parse(out.lines[0]), { upload: 0, uploadPerPeer: 0, download: 0 })
  })

  it('rejects a bad rate before asking the daemon', async () => {
    const client = fakeLimitsClient()
    await assert.rejects(limits({ upload: '8MiB/s', download: 'fast' }, { client, print: capture().print, parseRate, formatRate }), { name: 'InvalidRateError' })
    assert.deepEqual(client.calls, [])
  })
})
