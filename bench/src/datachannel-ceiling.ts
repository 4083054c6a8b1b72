/**
 * Baselines for the browser scenario's WebRTC-direct figure, measured in the same run:
 * the same number of bytes over a bare WebRTC data channel, no libp2p, no peershare,
 * 16 KiB messages (the size the daemon's SDP allows), ordered and reliable as libp2p's
 * streams are, with the page as receiver:
 * - `chromium`: a second RTCPeerConnection in the same page sends (Chromium to Chromium);
 * - `node-datachannel`: this process sends through node-datachannel, the library the
 *   daemon's WebRTC-direct runs on (the daemon to Chromium, minus everything above it).
 * Where peershare's page comes close to these, what is left is the platform's.
 */
import type { Browser, Page } from 'playwright-core'

export type ChannelSender = 'chromium' | 'node-datachannel'

export interface ChannelRun {
  seconds: number
  /** [seconds since the first send, bytes received] */
  samples: Array<[number, number]>
  /** CPU seconds of the sending side when it is this process (node-datachannel) */
  senderCpu?: number
}

const MESSAGE_BYTES = 16 * 1024
/** bytes queued in the sender before it waits for the channel to drain */
const HIGH_WATER = 4 * 1024 * 1024
const LOW_WATER = 1024 * 1024

/** Sends `size` bytes to a fresh page of `browser` over one data channel */
export async function channelRun (browser: Browser, sender: ChannelSender, size: number, sampleMs: number, timeoutMs: number): Promise<ChannelRun> {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    return sender === 'chromium' ? await pageToPage(page, size, sampleMs, timeoutMs) : await nodeToPage(page, size, sampleMs, timeoutMs)
  } finally {
    await context.close()
  }
}

async function pageToPage (page: Page, size: number, sampleMs: number, timeoutMs: number): Promise<ChannelRun> {
  await listen(page, size, sampleMs)
  await page.evaluate(async ({ messageBytes, high, low }) => {
    const a = new RTCPeerConnection()
    const b = new RTCPeerConnection()
    a.onicecandidate = e => { if (e.candidate != null) void b.addIceCandidate(e.candidate) }
    b.onicecandidate = e => { if (e.candidate != null) void a.addIceCandidate(e.candidate) }
    const channel = a.createDataChannel('ceiling', { ordered: true })
    b.ondatachannel = ev => { (window as unknown as { ceiling: Receiver }).ceiling.receive(ev.channel) }
    await a.setLocalDescription()
    await b.setRemoteDescription(a.localDescription as RTCSessionDescription)
    await b.setLocalDescription()
    await a.setRemoteDescription(b.localDescription as RTCSessionDescription)
    await new Promise(resolve => { channel.onopen = resolve })
    channel.bufferedAmountLowThreshold = low
    const message = new Uint8Array(messageBytes)
    const size = (window as unknown as { ceiling: Receiver }).ceiling.size
    ;(window as unknown as { ceiling: Receiver }).ceiling.start()
    for (let sent = 0; sent < size;) {
      while (channel.bufferedAmount < high && sent < size) { channel.send(message); sent += message.length }
      await new Promise(resolve => { channel.onbufferedamountlow = resolve })
    }
  }, { messageBytes: MESSAGE_BYTES, high: HIGH_WATER, low: LOW_WATER })
  return finish(page, size, sampleMs, timeoutMs)
}

async function nodeToPage (page: Page, size: number, sampleMs: number, timeoutMs: number): Promise<ChannelRun> {
  // named apart: the page's code below is Chromium's RTCPeerConnection
  const { RTCPeerConnection: NodePeerConnection } = await import('node-datachannel/polyfill')
  const pc = new NodePeerConnection({ iceServers: [] })
  try {
    await listen(page, size, sampleMs)
    const channel = pc.createDataChannel('ceiling', { ordered: true })
    await pc.setLocalDescription(await pc.createOffer())
    await new Promise<void>(resolve => {
      if (pc.iceGatheringState === 'complete') resolve()
      else pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') resolve() }
    })
    const answer = await page.evaluate(async offer => {
      const b = new RTCPeerConnection()
      b.ondatachannel = ev => { (window as unknown as { ceiling: Receiver }).ceiling.receive(ev.channel) }
      await b.setRemoteDescription(offer)
      await b.setLocalDescription()
      await new Promise<void>(resolve => {
        if (b.iceGatheringState === 'complete') resolve()
        else b.onicegatheringstatechange = () => { if (b.iceGatheringState === 'complete') resolve() }
      })
      return { type: b.localDescription?.type as RTCSdpType, sdp: b.localDescription?.sdp as string }
    }, { type: pc.localDescription?.type as RTCSdpType, sdp: pc.localDescription?.sdp as string })
    await pc.setRemoteDescription(answer)
    await new Promise<void>(resolve => { if (channel.readyState === 'open') resolve(); else channel.onopen = () => { resolve() } })
    channel.bufferedAmountLowThreshold = LOW_WATER
    const message = new Uint8Array(MESSAGE_BYTES)
    await page.evaluate(() => { (window as unknown as { ceiling: Receiver }).ceiling.start() })
    const cpuBefore = process.cpuUsage()
    for (let sent = 0; sent < size;) {
      while (channel.bufferedAmount < HIGH_WATER && sent < size) { channel.send(message); sent += message.length }
      await new Promise(resolve => { channel.onbufferedamountlow = resolve })
    }
    const run = await finish(page, size, sampleMs, timeoutMs)
    const cpu = process.cpuUsage(cpuBefore)
    return { ...run, senderCpu: (cpu.user + cpu.system) / 1e6 }
  } finally {
    pc.close()
  }
}

/** What the page keeps of the bytes it receives (set up by `listen`) */
interface Receiver {
  size: number
  received: number
  started: number
  doneAt?: number
  samples: Array<[number, number]>
  receive: (channel: RTCDataChannel) => void
  start: () => void
}

/** Prepares the page to count what a channel brings, sampled every `sampleMs` from `start()` */
async function listen (page: Page, size: number, sampleMs: number): Promise<void> {
  await page.evaluate(({ size, sampleMs }) => {
    const r: Receiver = {
      size,
      received: 0,
      started: 0,
      samples: [[0, 0]],
      receive: channel => {
        channel.binaryType = 'arraybuffer'
        channel.onmessage = m => {
          r.received += (m.data as ArrayBuffer).byteLength
          if (r.received >= size && r.doneAt == null) r.doneAt = performance.now()
        }
      },
      start: () => {
        r.started = performance.now()
        const timer = setInterval(() => {
          if (r.received > r.samples[r.samples.length - 1][1]) r.samples.push([(performance.now() - r.started) / 1000, r.received])
          if (r.doneAt != null) clearInterval(timer)
        }, sampleMs)
      }
    }
    ;(window as unknown as { ceiling: Receiver }).ceiling = r
  }, { size, sampleMs })
}

/** Waits for the page to hold every byte; its samples and the time from start to the last byte */
async function finish (page: Page, size: number, sampleMs: number, timeoutMs: number): Promise<ChannelRun> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const r = await page.evaluate(() => { const w = (window as unknown as { ceiling: Receiver }).ceiling; return { received: w.received, doneAt: w.doneAt, started: w.started, samples: w.samples } })
    if (r.doneAt != null) return { seconds: (r.doneAt - r.started) / 1000, samples: [...r.samples, [(r.doneAt - r.started) / 1000, r.received]] }
    if (Date.now() > deadline) throw new Error(`data channel: ${r.received} of ${size} bytes within the deadline`)
    await new Promise(resolve => setTimeout(resolve, Math.max(sampleMs, 100)))
  }
}
