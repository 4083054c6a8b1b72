/** Small pieces the pages share */
import type { ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { RequestError } from './api.js'

/** Loads `load()` on mount and whenever a dependency changes */
export function useLoad<T> (load: () => Promise<T>, deps: unknown[]): { value?: T, error?: string, reload: () => void } {
  const [state, setState] = useState<{ value?: T, error?: string }>({})
  const [round, setRound] = useState(0)
  useEffect(() => {
    let current = true
    // a failed refresh keeps what was shown, with the error above it (the Status page went blank on one)
    load().then(value => { if (current) setState({ value }) }, (err: unknown) => { if (current) setState(prev => ({ value: prev.value, error: describe(err) })) })
    return () => { current = false }
  }, [...deps, round])
  return { ...state, reload: () => { setRound(r => r + 1) } }
}

export function describe (err: unknown): string {
  if (err instanceof RequestError) return `${err.message} (${err.code})`
  return err instanceof Error ? err.message : String(err)
}

/** "Loading…" while a load is under way; nothing once it failed (its ErrorLine says why) */
export function Loading ({ error }: { error?: string }) {
  return error == null ? <p>Loading…</p> : null
}

export function ErrorLine ({ error }: { error?: string }) {
  return error == null ? null : <p class="error" role="alert"><Words text={error} /></p>
}

/** Text whose `quoted` parts (commands, in the daemon's messages and the UI's own) show as code, not with their backticks */
export function Words ({ text }: { text: string }) {
  return <>{text.split('`').map((part, i) => i % 2 === 1 ? <code key={i}>{part}</code> : part)}</>
}

export function Section ({ title, children }: { title: string, children: ComponentChildren }) {
  return <section><h2>{title}</h2>{children}</section>
}

/**
 * A file's thumbnail, read from the daemon (same origin, the cookie authenticates it).
 * One this node does not hold yet (a search result's) shows as a blank square: a file's
 * page fetches it.
 */
export function Thumbnail ({ fileId }: { fileId?: string }) {
  const [failed, setFailed] = useState(false)
  if (fileId == null || fileId === '' || failed) return <span class="thumb none" />
  return <img class="thumb" src={`/v1/content/${encodeURIComponent(fileId)}`} alt="" loading="lazy" onError={() => { setFailed(true) }} />
}

/** Runs an action, showing its error; returns the button's busy flag */
export function useAction (): { busy: boolean, error?: string, run: (action: () => Promise<unknown>) => void } {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  const run = (action: () => Promise<unknown>): void => {
    setBusy(true)
    setError(undefined)
    action().catch((err: unknown) => { setError(describe(err)) }).finally(() => { setBusy(false) })
  }
  return { busy, error, run }
}

/**
 * Calls `reload` every `intervalMs` while the page is visible, and at once when it
 * becomes visible again; a hidden tab asks the daemon nothing
 */
export function useRefreshWhileVisible (reload: () => void, intervalMs: number): void {
  useEffect(() => {
    let timer: ReturnType<typeof setInterval> | undefined
    const start = (): void => { timer ??= setInterval(reload, intervalMs) }
    const stop = (): void => {
      clearInterval(timer)
      timer = undefined
    }
    const onVisibility = (): void => {
      if (document.visibilityState !== 'visible') {
        stop()
        return
      }
      reload()
      start()
    }
    if (document.visibilityState === 'visible') start()
    document.addEventListener('visibilitychange', onVisibility)
    return () => {
      stop()
      document.removeEventListener('visibilitychange', onVisibility)
    }
  }, [intervalMs])
}
