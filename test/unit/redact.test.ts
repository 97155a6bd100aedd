import { describe, expect, it } from 'vitest'
import { maskUrl, passwordOf, redact } from '../../src/redact.js'

describe('masking secrets', () => {
  it('masks the password of a URL and keeps the rest', () => {
    expect(maskUrl('postgres://alice:s3cret@db.example:5433/app')).toBe('postgres://alice:***@db.example:5433/app')
    expect(maskUrl('postgres://alice@db.example/app')).toBe('postgres://alice@db.example/app')
  })

  it('masks credentials in text that is not a valid URL', () => {
    expect(maskUrl('postgres://alice:s3cret@db example')).toBe('postgres://alice:***@db example')
  })

  it('masks URLs inside free text and every known secret', () => {
    const text = 'cannot reach postgres://bob:hunter2@h:1/x; password hunter2 rejected'
    expect(redact(text, ['hunter2'])).toBe('cannot reach postgres://bob:***@h:1/x; password *** rejected')
  })

  it('decodes percent-encoded passwords', () => {
    expect(passwordOf('postgres://u:p%40ss@h/db')).toBe('p@ss')
    expect(passwordOf('postgres://u@h/db')).toBeUndefined()
  })
})
