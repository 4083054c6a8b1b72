'use strict'
/**
 * Mocha's spec reporter plus one summary line, `N passed, N failed` (with `, N skipped`
 * when tests were skipped), printed after everything else so tools can read the last
 * line. When PEERSHARE_TEST_SUMMARY_FILE is set (scripts/run-tests.js sets it) the counts
 * are written there as JSON instead, and the runner prints the line once mocha has exited.
 */
const fs = require('node:fs')
const Mocha = require('mocha')

const { EVENT_RUN_END } = Mocha.Runner.constants

function summaryLine ({ passes, failures, pending }) {
  return `${passes} passed, ${failures} failed${pending > 0 ? `, ${pending} skipped` : ''}`
}

class SummaryReporter extends Mocha.reporters.Spec {
  constructor (runner, options) {
    super(runner, options)
    // registered after Spec's epilogue, so it runs after the failure details
    runner.once(EVENT_RUN_END, () => {
      const counts = { passes: this.stats.passes, failures: this.stats.failures, pending: this.stats.pending }
      const file = process.env.PEERSHARE_TEST_SUMMARY_FILE
      if (file) {
        fs.writeFileSync(file, JSON.stringify(counts))
      } else {
        process.stdout.write(`${summaryLine(counts)}\n`)
      }
    })
  }
}

SummaryReporter.summaryLine = summaryLine
module.exports = SummaryReporter
