/** Settings: bandwidth limits (set here, saved in the repo's config), the replica quota (the node itself: Status) */
import { type BandwidthLimits, type LimitsRequest, type ReplicasInfo, formatRate } from '@peershare/client'
import { useState } from 'preact/hooks'
import { api } from '../api.js'
import { ErrorLine, Section, useAction, useLoad } from '../components.js'
import { formatBytes } from '../format.js'

const LIMITS: ReadonlyArray<[keyof BandwidthLimits, string]> = [['download', 'Download'], ['upload', 'Upload'], ['uploadPerPeer', 'Upload per peer']]

export function SettingsPage () {
  const limits = useLoad(async () => api<BandwidthLimits>('GET', '/v1/limits'), [])
  const replicas = useLoad(async () => api<ReplicasInfo>('GET', '/v1/replicas'), [])
  return (
    <div>
      <Section title="Bandwidth limits">
        <ErrorLine error={limits.error} />
        {limits.value == null ? null : <LimitsForm current={limits.value} onSaved={limits.reload} />}
      </Section>
      <Section title="Replicas held for others">
        <ErrorLine error={replicas.error} />
        {replicas.value == null ? null : <p>{replicas.value.replicas.length} replicas, {formatBytes(replicas.value.usedBytes)} of a {formatBytes(replicas.value.quotaBytes)} quota</p>}
      </Section>
    </div>
  )
}

function LimitsForm ({ current, onSaved }: { current: BandwidthLimits, onSaved: () => void }) {
  const [values, setValues] = useState<Record<string, string>>({})
  const action = useAction()
  const save = (event: Event): void => {
    event.preventDefault()
    const request: LimitsRequest = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''))
    action.run(async () => {
      await api('POST', '/v1/limits', request)
      setValues({})
      onSaved()
    })
  }
  return (
    <form class="limits" onSubmit={save}>
      {LIMITS.map(([key, label]) => (
        <label key={key}>{label} (now {formatRate(current[key])})
          <input name={key} placeholder="e.g. 2MB/s, 0 for none" value={values[key] ?? ''} onInput={e => { setValues(v => ({ ...v, [key]: (e.target as HTMLInputElement).value })) }} />
        </label>
      ))}
      <button type="submit" disabled={action.busy}>Save</button>
      <ErrorLine error={action.error} />
    </form>
  )
}
