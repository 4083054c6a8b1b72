/** Maps errors to HTTP statuses and the API's `{ error: { code, message } }` body */
import type { ApiError } from '@peershare/client'

export class HttpError extends Error {
  static override name = 'HttpError'
  override name = 'HttpError'
  constructor (readonly status: number, readonly code: string, message: string) { super(message) }
}

const STATUS_BY_CODE: Record<string, number> = {
  ERR_FILE_NOT_FOUND: 404,
  ERR_PATH_NOT_FOUND: 404,
  ERR_OUTPUT_EXISTS: 409,
  ERR_TRANSFER_FINISHED: 409,
  ERR_TIMEOUT: 504,
  ERR_SOURCE_BUSY: 503,
  ERR_PERMISSION_DENIED: 403,
  ERR_OUTPUT_UNSAFE: 409,
  ERR_INVALID_COLLECTION: 400,
  ERR_DISK_FULL: 507,
  ERR_BAD_REQUEST: 400,
  ERR_INVALID_RATE: 400,
  ERR_CONFIG: 400,
  ERR_INVALID_FILE_ID: 400,
  ERR_INVALID_FILE_NAME: 400,
  ERR_INVALID_TICKET: 400,
  ERR_AMBIGUOUS_ID: 400,
  ERR_INVALID_THUMBNAIL: 400,
  ERR_INVALID_CATEGORY: 400,
  ERR_INVALID_RECIPIENT: 400,
  ERR_NO_FILE_KEY: 403,
  ERR_DECRYPTION: 502,
  ERR_PEER_UNREACHABLE: 502,
  ERR_PEER_MISBEHAVED: 502,
  ERR_REMOTE_FAILURE: 502,
  ERR_GRANT_NOT_FOUND: 404,
  ERR_GRANT_LIMIT: 503,
  ERR_CONTACT_NOT_FOUND: 404,
  ERR_CONTACT_NAME_TAKEN: 409,
  ERR_TOO_MANY_CONTACTS: 409
}

export function statusFor (err: any): number {
  if (err instanceof HttpError) return err.status
  return STATUS_BY_CODE[toApiError(err).code] ?? 500
}

export function toApiError (err: any): ApiError {
  const message = String(err?.message ?? err).split('\n')[0]
  return { code: typeof err?.code === 'string' && err.code.startsWith('ERR_') ? err.code : 'ERR_INTERNAL', message }
}

export function errorBody (err: any): { error: ApiError } {
  return { error: toApiError(err) }
}
