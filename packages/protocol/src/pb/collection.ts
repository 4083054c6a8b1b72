import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Collection {
  version: number
  entries: CollectionEntry[]
}

export namespace Collection {
  let _codec: Codec<Collection>

  export const codec = (): Codec<Collection> => {
    if (_codec == null) {
      _codec = message<Collection>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(8)
          w.uint32(obj.version)
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(18)
            CollectionEntry.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          version: 0,
          entries: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.version = reader.uint32()
              break
            }
            case 2: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(CollectionEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          entries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              for (const evt of CollectionEntry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                limits: opts.limits?.entries$
              })) {
                yield {
                  ...evt,
                  index: obj.entries
                }
              }

              obj.entries++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface CollectionVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface CollectionEntriesPathFieldEvent {
    field: '$.entries[].path'
    value: string
    index: number
  }

  export interface CollectionEntriesSizeFieldEvent {
    field: '$.entries[].size'
    value: bigint
    index: number
  }

  export interface CollectionEntriesFileIdFieldEvent {
    field: '$.entries[].fileId'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface CollectionEntriesDirectoryFieldEvent {
    field: '$.entries[].directory'
    value: boolean
    index: number
  }

  export function encode (obj: Partial<Collection>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Collection.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Collection>): Collection {
    return decodeMessage(buf, Collection.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Collection>): Generator<CollectionVersionFieldEvent | CollectionEntriesPathFieldEvent | CollectionEntriesSizeFieldEvent | CollectionEntriesFileIdFieldEvent | CollectionEntriesDirectoryFieldEvent> {
    return streamMessage(buf, Collection.codec(), opts)
  }
}

export interface CollectionEntry {
  path: string
  size: bigint
  fileId: Uint8Array<ArrayBuffer>
  directory: boolean
}

export namespace CollectionEntry {
  let _codec: Codec<CollectionEntry>

  export const codec = (): Codec<CollectionEntry> => {
    if (_codec == null) {
      _codec = message<CollectionEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.path != null && obj.path !== '')) {
          w.uint32(10)
          w.string(obj.path)
        }

        if ((obj.size != null && obj.size !== 0n)) {
          w.uint32(16)
          w.uint64(obj.size)
        }

        if ((obj.fileId != null && obj.fileId.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.fileId)
        }

        if ((obj.directory != null && obj.directory !== false)) {
          w.uint32(32)
          w.bool(obj.directory)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          path: '',
          size: 0n,
          fileId: uint8ArrayAlloc(0),
          directory: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.path = reader.string()
              break
            }
            case 2: {
              obj.size = reader.uint64()
              break
            }
            case 3: {
              obj.fileId = reader.bytes()
              break
            }
            case 4: {
              obj.directory = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.path`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.size`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.fileId`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.directory`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface CollectionEntryPathFieldEvent {
    field: '$.path'
    value: string
  }

  export interface CollectionEntrySizeFieldEvent {
    field: '$.size'
    value: bigint
  }

  export interface CollectionEntryFileIdFieldEvent {
    field: '$.fileId'
    value: Uint8Array<ArrayBuffer>
  }

  export interface CollectionEntryDirectoryFieldEvent {
    field: '$.directory'
    value: boolean
  }

  export function encode (obj: Partial<CollectionEntry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, CollectionEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CollectionEntry>): CollectionEntry {
    return decodeMessage(buf, CollectionEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CollectionEntry>): Generator<CollectionEntryPathFieldEvent | CollectionEntrySizeFieldEvent | CollectionEntryFileIdFieldEvent | CollectionEntryDirectoryFieldEvent> {
    return streamMessage(buf, CollectionEntry.codec(), opts)
  }
}
