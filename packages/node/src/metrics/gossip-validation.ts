/**
 * Counts the verdicts of gossipsub topic validators: every validator registered on the
 * map from now on is wrapped (catalog announcements, storage offers), so the
 * validators themselves need no metrics. The topic label is bounded by the topics
 * that have a validator: peershare's own.
 */
type Validator = (...args: any[]) => unknown

/** gossipsub's verdicts (TopicValidatorResult) */
const RESULTS = ['accept', 'reject', 'ignore']

export function countValidations (validators: Map<string, Validator>, count: (topic: string, result: string, n?: number) => void): void {
  const set = validators.set.bind(validators)
  validators.set = (topic: string, validate: Validator) => {
    // every verdict's series from the start: a dashboard's rate() needs a starting 0
    for (const result of RESULTS) count(topic, result, 0)
    return set(topic, async (...args: unknown[]) => {
      const result = await validate(...args)
      count(topic, String(result))
      return result
    })
  }
}
