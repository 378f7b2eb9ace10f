import { z } from 'zod';

// Path parameters of the product pages; names are the acai API's (at most 255 characters).
const name = z.string().min(1).max(255);

export const teamParams = z.object({ team: name });
export const productParams = teamParams.extend({ product: name });
export const featureParams = productParams.extend({ feature: name });
export const implementationFeatureParams = featureParams.extend({ implementation: name });
