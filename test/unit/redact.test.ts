import { describe, expect, it } from 'vitest'
import { maskCredentialsIn, maskUrl, passwordOf, redact, rememberSecretsOf, secretsOf } from '../../src/redact.js'

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

describe('secrets in URL parameters', () => {
  it('masks every parameter a driver reads as a secret, whatever its case, and keeps the others', () => {
    expect(maskUrl('postgres://u@h:1/db?password=pw1&sslpassword=pw2&sslkey=/k.pem&sslmode=require&options=-c%20x')).toBe(
      'postgres://u@h:1/db?password=***&sslpassword=***&sslkey=***&sslmode=require&options=-c%20x',
    )
    expect(maskUrl('mysql://root@h/test?PASSWORD=a&password2=b&passwordSha1=c&Passphrase=d&charset=utf8')).toBe(
      'mysql://root@h/test?PASSWORD=***&password2=***&passwordSha1=***&Passphrase=***&charset=utf8',
    )
    expect(maskUrl('redis://:pw@h:6379/0?sentinelPassword=s&db=1')).toBe('redis://:***@h:6379/0?sentinelPassword=***&db=1')
  })

  it('masks a parameter whose JSON value holds a secret (mysql2 parses ?ssl= as JSON)', () => {
    expect(maskUrl('mysql://h/db?ssl=%7B%22passphrase%22%3A%22x%22%7D')).toBe('mysql://h/db?ssl=***')
  })

  it('masks mistyped URLs too', () => {
    expect(maskUrl('postgres:/u:pw@h/db')).toBe('postgres:/u:***@h/db')
    expect(maskUrl('postgres//u:pw@h')).toBe('postgres//u:***@h')
    expect(maskUrl('postgres://u:p@ss@h/db')).toBe('postgres://u:***@h/db')
  })

  it('leaves masked text as it is, and text without secrets alone', () => {
    const line = 'cannot reach PostgreSQL at 127.0.0.1:1 (postgres://u@127.0.0.1:1/db?password=***): connection refused'
    expect(maskCredentialsIn(line)).toBe(line)
    const plain = "Access denied for user 'root'@'127.0.0.1' (using password: YES) at 10:30, search_path=racebench_x"
    expect(maskCredentialsIn(plain)).toBe(plain)
  })

  it('masks libpq-style keywords in free text', () => {
    expect(maskCredentialsIn('host=h password=abc user=u')).toBe('host=h password=*** user=u')
  })
})

describe('collecting the secrets of a URL', () => {
  it('collects user info and secret parameters, as typed, decoded and re-encoded', () => {
    expect(secretsOf('postgres://u:p%40ss@h/db?password=a%26b&sslpassword=x+y&sslmode=require')).toEqual(
      expect.arrayContaining(['p%40ss', 'p@ss', 'a%26b', 'a&b', 'x+y', 'x y', 'x%20y']),
    )
    expect(secretsOf('postgres://u@h/db?sslmode=require')).toEqual([])
  })

  it('finds them in text that is no valid URL', () => {
    expect(secretsOf('oracle://scott:tig er@db')).toContain('tig er')
    expect(secretsOf('postgres://scott:ti ger@db:notaport/x')).toContain('ti ger')
    expect(secretsOf('postgres://u@h/db?x=a@b')).toEqual([])
  })

  it('every later redact masks a remembered secret, in each of its forms', () => {
    rememberSecretsOf('mysql://root@h/db?password=Rem%2Fembered')
    expect(redact('driver said: password Rem/embered is wrong (Rem%2Fembered)')).toBe('driver said: password *** is wrong (***)')
  })

  it('masks the longest secret first, so no part of it is left', () => {
    expect(redact('p@ss@word', ['p@ss', 'p@ss@word'])).toBe('***')
  })
})
