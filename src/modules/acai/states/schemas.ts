import { z } from 'zod';
import { storable } from '../../../lib/zod-text.js';
import { requiredName } from '../features/schemas.js';
import { STATUS_VALUES } from '../domain/state.js';

const stateObject = z.object({
  status: z
    .enum(STATUS_VALUES, { error: `is required: null or one of ${STATUS_VALUES.join(', ')}` })
    .nullable(),
  comment: storable(z.string({ error: 'must be a string' })).optional(),
});

export const featureStatesBody = z.object({
  product_name: requiredName(),
  feature_name: requiredName(),
  implementation_name: requiredName(),
  states: z
    .record(z.string().min(1).max(512), stateObject, { error: 'must be an object of ACID to state' })
    .refine((states) => Object.keys(states).length > 0, { error: 'must contain at least one ACID entry' }),
});

export const featureStatesResponse = z.object({
  data: z.object({
    product_name: z.string(),
    feature_name: z.string(),
    implementation_name: z.string(),
    implementation_id: z.string(),
    states_written: z.number().int(),
    warnings: z.array(z.string()),
  }),
});

