/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests:
 * every line must be a HELP, a TYPE or a well-formed sample; a family's TYPE comes
 * before its samples, once; every sample belongs to a declared family (with the
 * suffixes its type allows); no series twice; histogram buckets are cumulative and
 * end in +Inf equal to _count. Any breach throws, naming the line.
 */
export interface Sample { name: string, labels: Record<string, string>, value: number }
export interface Family { name: string, type: string, help: string, samples: Sample[] }

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const LABEL_NAME = '[a-zA-Z_][a-zA-Z0-9_]*'
// a label value: any characters but \ " and newline, or the escapes \\ \" \n
const LABEL = `(${LABEL_NAME})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`
// a float as Go's strconv.ParseFloat reads it (the format's definition): NaN and Inf in any case (prom-client writes "Nan")
const VALUE = '(?:[+-]?(?:\\d+\\.?\\d*(?:[eE][+-]?\\d+)?|\\.\\d+(?:[eE][+-]?\\d+)?)|[+-]?(?:[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)|[nN][aA][nN])'
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL}(?:,${LABEL})*)?,?)\\})? (${VALUE})(?: -?\\d+)?$`)
const HELP_LINE = new RegExp(`^# HELP (${NAME}) (.*)$`)
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`)
const SUFFIXES: Record<string, string[]> = { counter: ['', '_total'], gauge: [''], untyped: [''], histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'] }

export function parseExposition (text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline')
  const families = new Map<string, Family>()
  const seen = new Set<string>()
  const lines = text.slice(0, -1).split('\n')
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`
    if (line === '') return
    const help = HELP_LINE.exec(line)
    if (help != null) {
      familyOf(families, help[1], where).help = help[2]
      return
    }
    const type = TYPE_LINE.exec(line)
    if (type != null) {
      const family = familyOf(families, type[1], where)
      if (family.type !== 'untyped' || family.samples.length > 0) throw new Error(`TYPE again or after samples at ${where}`)
      family.type = type[2]
      return
    }
    if (line.startsWith('#')) throw new Error(`not a HELP or TYPE comment at ${where}`)
    const match = SAMPLE_LINE.exec(line)
    if (match == null) throw new Error(`malformed sample at ${where}`)
    const sample: Sample = { name: match[1], labels: parseLabels(match[2] ?? '', where), value: parseValue(match[match.length - 1]) }
    const family = owner(families, sample.name)
    if (family == null) throw new Error(`sample of an undeclared family at ${where}`)
    const key = `${sample.name}{${Object.entries(sample.labels).sort().map(([k, v]) => `${k}=${v}`).join(',')}}`
    if (seen.has(key)) throw new Error(`series twice at ${where}`)
    seen.add(key)
    family.samples.push(sample)
  })
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family)
  return families
}

function parseValue (text: string): number {
  if (/^nan$/i.test(text)) return Number.NaN
  const inf = /^([+-]?)inf(inity)?$/i.exec(text)
  return inf == null ? Number(text) : inf[1] === '-' ? -Infinity : Infinity
}

function familyOf (families: Map<string, Family>, name: string, where: string): Family {
  let family = families.get(name)
  if (family == null) {
    family = { name, type: 'untyped', help: '', samples: [] }
    families.set(name, family)
  } else if (family.samples.length > 0) {
    throw new Error(`comment after the family's samples at ${where}`)
  }
  return family
}

/** The family a sample name belongs to: itself, or itself less a suffix its type allows */
function owner (families: Map<string, Family>, name: string): Family | undefined {
  for (const family of families.values()) {
    if (!name.startsWith(family.name)) continue
    if (SUFFIXES[family.type].includes(name.slice(family.name.length))) return family
  }
  return undefined
}

function parseLabels (text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const m of text.matchAll(new RegExp(LABEL, 'g'))) {
    if (m[1] in labels) throw new Error(`label ${m[1]} twice at ${where}`)
    labels[m[1]] = m[2].replace(/\\(.)/g, (_, c: string) => c === 'n' ? '\n' : c)
  }
  return labels
}

/** Each series' buckets never decrease, and +Inf equals its _count */
function checkHistogram (family: Family): void {
  const series = new Map<string, Sample[]>()
  const counts = new Map<string, number>()
  for (const s of family.samples) {
    const { le, ...rest } = s.labels
    const key = JSON.stringify(Object.entries(rest).sort())
    if (s.name.endsWith('_bucket')) {
      if (le == null) throw new Error(`${family.name}: a bucket without le`)
      series.set(key, [...(series.get(key) ?? []), s])
    } else if (s.name.endsWith('_count')) counts.set(key, s.value)
  }
  for (const [key, buckets] of series) {
    const sorted = [...buckets].sort((a, b) => Number(a.labels.le.replace('+Inf', 'Infinity')) - Number(b.labels.le.replace('+Inf', 'Infinity')))
    sorted.forEach((b, i) => { if (i > 0 && b.value < sorted[i - 1].value) throw new Error(`${family.name}${key}: buckets decrease`) })
    const last = sorted.at(-1)
    if (last?.labels.le !== '+Inf' || last.value !== counts.get(key)) throw new Error(`${family.name}${key}: +Inf bucket must equal _count`)
  }
}

/** The value of one series (labels given must match; others may be present); undefined when absent */
export function value (families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const family of families.values()) {
    const sample = family.samples.find(s => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    if (sample != null) return sample.value
  }
  return undefined
}
