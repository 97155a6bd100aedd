import type { Spec } from '../spec/define-spec.js'
import { G0, G1A, G1B, G1C, OTV, PMP, PMP_WRITE } from './hermitage-reads.js'
import { G2, G2_FEKETE, G2_ITEM, G_SINGLE, G_SINGLE_PREDICATE, G_SINGLE_WRITE, P4 } from './hermitage-skew.js'

/** Hermitage's anomaly tests, in the order of its table (https://github.com/ept/hermitage#summary-of-test-results). */
export const HERMITAGE_SPECS: readonly Spec[] = [G0, G1A, G1B, G1C, OTV, PMP, PMP_WRITE, P4, G_SINGLE, G_SINGLE_PREDICATE, G_SINGLE_WRITE, G2_ITEM, G2, G2_FEKETE]
