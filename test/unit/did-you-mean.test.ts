import { describe, expect, it } from 'vitest'
import { didYouMean } from '../../src/did-you-mean.js'

describe('didYouMean', () => {
  const strategies = ['none', 'pessimistic', 'optimistic', 'unique', 'serializable', 'advisory', 'redis-lock']

  it('suggests the closest name one or two typos away, swapped letters counting as one', () => {
    expect(didYouMean('optimstic', strategies)).toBe(' (did you mean optimistic?)')
    expect(didYouMean('uniuqe', strategies)).toBe(' (did you mean unique?)')
    expect(didYouMean('Pessimistic', strategies)).toBe(' (did you mean pessimistic?)')
  })

  it('suggests nothing for a name that is no typo of any', () => {
    expect(didYouMean('hope', strategies)).toBe('')
    expect(didYouMean('tripple-booking', ['double-booking', 'lost-update'])).toBe('')
    expect(didYouMean('x', ['y'])).toBe('')
  })
})
