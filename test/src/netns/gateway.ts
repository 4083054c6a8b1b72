/** Runs fake-igd.ts as its own process in a home LAN's router namespace, and collects what it reports */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { children, until } from '../processes.js'
import { type HomeLan, WAN_LINK } from './internet.js'

const FAKE_IGD = fileURLToPath(new URL('./fake-igd.js', import.meta.url))

export interface GatewayEvent {
  action?: string
  event?: string
  [field: string]: unknown
}

export interface FakeGateway {
  /** every action it answered, in order */
  events: GatewayEvent[]
  /** waits until one of `events` passes `test` and returns it */
  seen: (what: string, test: (e: GatewayEvent) => boolean, timeoutMs?: number) => Promise<GatewayEvent>
}

export async function startFakeGateway (home: HomeLan): Promise<FakeGateway> {
  const { router } = home
  const child = spawn('ip', ['netns', 'exec', router.name, process.execPath, FAKE_IGD, router.lanIp, router.ip, WAN_LINK], { stdio: ['ignore', 'pipe', 'inherit'] })
  children.add(child)
  child.once('close', () => children.delete(child))
  const events: GatewayEvent[] = []
  let partial = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    const lines = (partial + text).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) if (line.trim() !== '') events.push(JSON.parse(line))
  })
  const seen = async (what: string, test: (e: GatewayEvent) => boolean, timeoutMs = 45_000): Promise<GatewayEvent> => {
    await until(() => events.some(test), `the gateway to see ${what}: ${JSON.stringify(events)}`, timeoutMs)
    return events.find(test) as GatewayEvent
  }
  await seen('itself ready', e => e.event === 'ready', 10_000)
  return { events, seen }
}
