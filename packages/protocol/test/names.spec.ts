import assert from 'node:assert/strict'
import path from 'node:path'
import fc from 'fast-check'
import { MAX_FILE_NAME_BYTES, MAX_NAME_BYTES, NAME_SUFFIX_BYTES, sanitizeFileName } from '../src/index.js'

const RUNS = { numRuns: 2000 }
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what the result must not hold
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
const DECEPTIVE = /[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/
const utf8Bytes = (s: string): number => new TextEncoder().encode(s).byteLength

/** Either InvalidFileNameError, or a name that is one safe path component on every OS */
function checkSanitized (input: string): void {
  let name: string
  try {
    name = sanitizeFileName(input)
  } catch (err: any) {
    assert.equal(err.name, 'InvalidFileNameError', `${JSON.stringify(input)} threw ${err}`)
    return
  }
  const why = `${JSON.stringify(input)} -> ${JSON.stringify(name)}`
  assert.equal(typeof name, 'string')
  assert.ok(name.length > 0, why)
  assert.ok(!name.includes('/'), why)
  assert.ok(!name.includes('\\'), why)
  assert.ok(!name.includes('\0'), why)
  assert.ok(!CONTROL.test(name), why)
  assert.ok(!DECEPTIVE.test(name), why)
  assert.ok(!/[:*?"<>|]/.test(name), why)
  assert.notEqual(name, '.')
  assert.notEqual(name, '..')
  assert.ok(!name.startsWith('.'), why)
  assert.ok(!/[.\s]$/.test(name), why)
  assert.ok(!/^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i.test(name), why)
  assert.ok(utf8Bytes(name) <= MAX_FILE_NAME_BYTES, why)
  assert.ok(utf8Bytes(`${name}.peershare-partial`) <= MAX_NAME_BYTES, why)
  assert.equal(path.posix.basename(name), name, why)
  assert.equal(path.win32.basename(name), name, why)
  const joined = path.posix.join('/base', name)
  assert.ok(joined.startsWith('/base/'), why)
  assert.equal(path.posix.relative('/base', joined), name, why)
  assert.equal(path.win32.dirname(path.win32.join('C:\\base', name)), 'C:\\base', why)
}

/** Pieces that have broken file name sanitisers before */
const dangerous = fc.constantFrom(
  '..', '.', '/', '\\', '\0', '\u0001', '\n', '\r', '\t', '\u001b', '\u001f', '\u007f', '\u0080', '\u0085', '\u009f',
  ' ', '\u00a0', '\u3000', ':', '*', '?', '"', '<', '>', '|', '~', 'C:', '\\\\?\\', '//', '%2e%2e%2f',
  'CON', 'con', 'PRN', 'aux', 'NUL', 'nul.txt', 'COM1', 'lpt9', 'CONIN$',
  '\u202e', '\u200b', '\u200f', '\u2066', '\ufeff', '\ud800', '\udfff',
  'a', 'Z', '_', '-', 'é', 'e\u0301', 'ß', '日本語', '😀', '👩‍👩‍👧', '.txt', '.tar.gz', 'x'.repeat(100), 'ü'.repeat(90), '😀'.repeat(70)
)
const dangerousName = fc.array(dangerous, { maxLength: 24 }).map(pieces => pieces.join(''))
const loneSurrogates = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map(c => String.fromCharCode(c)), maxLength: 300 })

describe('sanitizeFileName', () => {
  describe('properties', () => {
    it('any string of code points', () => {
      fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), checkSanitized), RUNS)
    })

    it('any string of UTF-16 code units, lone surrogates included', () => {
      fc.assert(fc.property(loneSurrogates, checkSanitized), RUNS)
    })

    it('any string of graphemes', () => {
      fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), checkSanitized), RUNS)
    })

    it('names built from dangerous pieces', () => {
      fc.assert(fc.property(dangerousName, checkSanitized), RUNS)
    })

    it('very long names, with and without an extension', () => {
      const long = fc.tuple(
        fc.string({ unit: fc.oneof(fc.constantFrom('a', 'é', '日', '😀', '.', ' ', '/'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), minLength: 100, maxLength: 1200 }),
        fc.option(fc.stringMatching(/^\.[a-z0-9]{1,15}$/))
      ).map(([stem, ext]) => stem + (ext ?? ''))
      fc.assert(fc.property(long, checkSanitized), RUNS)
    })

    it('keeps a short safe name unchanged and is idempotent', () => {
      const safeChar = fc.oneof(fc.constantFrom('a', 'Z', '0', '-', '_', '(', ')', ' ', '.', 'é', 'ß', '日', '😀'))
      const safeName = fc.tuple(fc.constantFrom('a', 'B', '7', 'é', '日'), fc.string({ unit: safeChar, maxLength: 60 }), fc.constantFrom('x', '1', 'ö'))
        .map(([first, middle, last]) => first + middle + last)
        .filter(name => !/^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i.test(name))
      fc.assert(fc.property(safeName, name => {
        assert.equal(sanitizeFileName(name), name)
      }), RUNS)
      fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), input => {
        let once: string
        try {
          once = sanitizeFileName(input)
        } catch {
          return
        }
        assert.equal(sanitizeFileName(once), once)
      }), RUNS)
    })
  })

  describe('examples', () => {
    it('leaves normal names alone', () => {
      for (const name of ['report.pdf', 'Übersicht 2024.txt', 'archive.tar.gz', 'photo (1).JPG', '日本語のファイル.txt', 'a', 'README', 'über-ß_😀.md']) {
        assert.equal(sanitizeFileName(name), name)
      }
    })

    it('normalises to NFC', () => {
      assert.equal(sanitizeFileName('Cafe\u0301.txt'), 'Caf\u00e9.txt')
    })

    it('replaces separators and characters Windows forbids', () => {
      assert.equal(sanitizeFileName('a/b\\c'), 'a_b_c')
      assert.equal(sanitizeFileName('../../etc/passwd'), '_.._etc_passwd')
      assert.equal(sanitizeFileName('what?*<>|".txt'), 'what______.txt')
      assert.equal(sanitizeFileName('C:\\Windows'), 'C__Windows')
      assert.equal(sanitizeFileName('line\nbreak\0.txt'), 'line_break_.txt')
    })

    it('removes leading dots and trailing dots and spaces', () => {
      assert.equal(sanitizeFileName('.bashrc'), 'bashrc')
      assert.equal(sanitizeFileName('...hidden'), 'hidden')
      assert.equal(sanitizeFileName(' . name. . '), 'name')
      assert.equal(sanitizeFileName('file.txt.'), 'file.txt')
    })

    it('removes characters that disguise an extension', () => {
      assert.equal(sanitizeFileName('invoice\u202eexe.pdf'), 'invoiceexe.pdf')
      assert.equal(sanitizeFileName('\ufeffa\u200bb.txt'), 'ab.txt')
    })

    it('prefixes Windows reserved device names', () => {
      assert.equal(sanitizeFileName('CON'), '_CON')
      assert.equal(sanitizeFileName('nul.txt'), '_nul.txt')
      assert.equal(sanitizeFileName('com1.tar.gz'), '_com1.tar.gz')
      assert.equal(sanitizeFileName('console.log'), 'console.log')
    })

    it('throws InvalidFileNameError when nothing usable is left', () => {
      for (const name of ['', '.', '..', '...', '   ', ' . ', '\u200b', '\u202e\ufeff']) {
        assert.throws(() => sanitizeFileName(name), { name: 'InvalidFileNameError' }, JSON.stringify(name))
      }
    })

    it('truncates to MAX_FILE_NAME_BYTES keeping the extension, with room for every suffix the node adds', () => {
      assert.equal(MAX_FILE_NAME_BYTES, 223)
      for (const suffix of ['.peershare-partial', '.peershare-copy']) assert.ok(Buffer.byteLength(suffix) <= NAME_SUFFIX_BYTES)
      const ascii = sanitizeFileName(`${'a'.repeat(300)}.txt`)
      assert.equal(ascii, `${'a'.repeat(MAX_FILE_NAME_BYTES - 4)}.txt`)
      const twoByte = sanitizeFileName(`${'é'.repeat(200)}.pdf`)
      assert.equal(twoByte, `${'é'.repeat(109)}.pdf`)
      assert.equal(utf8Bytes(twoByte), 222)
      const threeByte = sanitizeFileName(`${'日'.repeat(85)}`)
      assert.equal(threeByte, '日'.repeat(74))
      const emoji = sanitizeFileName(`${'😀'.repeat(100)}.jpeg`)
      assert.equal(emoji, `${'😀'.repeat(54)}.jpeg`)
      assert.ok(!emoji.includes('\ufffd'))
    })

    it('truncates a name without a usable extension at a character boundary', () => {
      assert.equal(sanitizeFileName('😀'.repeat(100)), '😀'.repeat(55))
      assert.equal(sanitizeFileName(`${'b'.repeat(300)}.${'x'.repeat(40)}`), 'b'.repeat(MAX_FILE_NAME_BYTES))
    })
  })
})
