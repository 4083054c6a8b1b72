/** Transfers: every download with live progress (pushed over /v1/events), rate, ETA, sources, state and stall reason */
import { type TransferProgress, formatRate } from '@peershare/client'
import { api } from '../api.js'
import { ErrorLine, Section, useAction } from '../components.js'
import { formatBytes, formatEta } from '../format.js'
import { answerTransfer, forgetTransfer, transfers } from '../live.js'

export function TransfersPage () {
  const list = [...transfers.value.values()]
  return (
    <Section title="Transfers">
      {list.length === 0
        ? <p>No downloads: start one from Search, or with <code>peershare get</code>.</p>
        : (
          <table class="transfers">
            <thead><tr><th>Name</th><th>Progress</th><th>Rate</th><th>ETA</th><th>Sources</th><th>State</th><th /></tr></thead>
            <tbody>{list.map(t => <TransferRow key={t.fileId} transfer={t} />)}</tbody>
          </table>
          )}
    </Section>
  )
}

function TransferRow ({ transfer: t }: { transfer: TransferProgress }) {
  const action = useAction()
  const percent = t.bytesTotal == null || t.bytesTotal === 0 ? 0 : Math.floor((t.bytesDone / t.bytesTotal) * 100)
  const control = (verb: 'pause' | 'resume'): void => {
    action.run(async () => { await answerTransfer(t.fileId, async () => await api<TransferProgress>('POST', `/v1/transfers/${t.fileId}/${verb}`)) })
  }
  const cancel = (): void => {
    action.run(async () => {
      await api('POST', `/v1/transfers/${t.fileId}/cancel`)
      forgetTransfer(t.fileId)
    })
  }
  const active = t.state === 'running' || t.state === 'stalled'
  return (
    // busy while a pause, resume or cancel is on its way: its buttons wait for the answer
    <tr class="transfer" data-file-id={t.fileId} data-state={t.state} aria-busy={action.busy ? 'true' : undefined}>
      <td><a class="name" href={`#/offer/${t.fileId}`}>{t.name}</a><ErrorLine error={action.error} /></td>
      <td>
        <progress max={100} value={percent} />
        <span class="percent">{percent}%</span> {formatBytes(t.bytesDone)} of {t.bytesTotal == null ? '?' : formatBytes(t.bytesTotal)}
      </td>
      <td class="rate">{t.rate === 0 ? '0 B/s' : formatRate(t.rate)}</td>
      <td>{formatEta(t.eta)}</td>
      <td title={t.sourceStats.map(s => s.peerId).join('\n')}>{t.sources}</td>
      <td class="state">{t.state}{t.stallMessage == null ? '' : `: ${t.stallMessage}`}</td>
      <td>
        <div class="actions">
          {active ? <button type="button" disabled={action.busy} class="pause" onClick={() => { control('pause') }}>Pause</button> : null}
          {t.state === 'paused' || t.state === 'failed' ? <button type="button" disabled={action.busy} class="resume" onClick={() => { control('resume') }}>Resume</button> : null}
          {t.state === 'completed' ? null : <button type="button" disabled={action.busy} class="danger" onClick={cancel}>Cancel</button>}
        </div>
      </td>
    </tr>
  )
}
