import { unprocessable } from '../../../lib/errors.js';
import type { PushCaps } from '../env.js';
import type { PushBody } from './schemas.js';

// Semantic caps (push.ABUSE.2): checked before anything is read or written; the detail names
// the cap, the offending item and the limit, so a user knows what to split or shorten.

export function checkCaps(body: PushBody, caps: PushCaps): void {
  if (body.repo_uri.length > caps.maxRepoUriChars) {
    throw unprocessable(`repo_uri is ${body.repo_uri.length} characters; the maximum is ${caps.maxRepoUriChars} (ACAI_PUSH_MAX_REPO_URI_CHARS)`);
  }
  const specs = body.specs ?? [];
  if (specs.length > caps.maxSpecs) {
    throw unprocessable(`Push has ${specs.length} specs; the maximum per push is ${caps.maxSpecs} (ACAI_PUSH_MAX_SPECS). Split it into smaller pushes`);
  }
  for (const spec of specs) {
    const feature = spec.feature.name;
    const requirements = Object.entries(spec.requirements);
    if (requirements.length > caps.maxRequirementsPerSpec) {
      throw unprocessable(
        `Spec '${feature}' has ${requirements.length} requirements; the maximum per spec is ${caps.maxRequirementsPerSpec} (ACAI_PUSH_MAX_REQUIREMENTS_PER_SPEC)`,
      );
    }
    for (const [acid, value] of requirements) {
      const length = (typeof value === 'string' ? value : value.requirement).length;
      if (length > caps.maxRequirementChars) {
        throw unprocessable(`Requirement ${acid} is ${length} characters; the maximum is ${caps.maxRequirementChars} (ACAI_PUSH_MAX_REQUIREMENT_CHARS)`);
      }
    }
    const description = spec.feature.description ?? '';
    if (description.length > caps.maxDescriptionChars) {
      throw unprocessable(
        `Description of feature '${feature}' is ${description.length} characters; the maximum is ${caps.maxDescriptionChars} (ACAI_PUSH_MAX_DESCRIPTION_CHARS)`,
      );
    }
    if (spec.meta.path.length > caps.maxPathChars) {
      throw unprocessable(`meta.path of feature '${feature}' is ${spec.meta.path.length} characters; the maximum is ${caps.maxPathChars} (ACAI_PUSH_MAX_PATH_CHARS)`);
    }
    const rawBytes = spec.meta.raw_content ? Buffer.byteLength(spec.meta.raw_content, 'utf8') : 0;
    if (rawBytes > caps.maxRawContentBytes) {
      throw unprocessable(
        `meta.raw_content of feature '${feature}' is ${rawBytes} bytes; the maximum is ${caps.maxRawContentBytes} (ACAI_PUSH_MAX_RAW_CONTENT_BYTES)`,
      );
    }
  }
  let refs = 0;
  for (const [acid, list] of Object.entries(body.references?.data ?? {})) {
    refs += list.length;
    for (const ref of list) {
      if (ref.path.length > caps.maxPathChars) {
        throw unprocessable(`A ref path of ${acid} is ${ref.path.length} characters; the maximum is ${caps.maxPathChars} (ACAI_PUSH_MAX_PATH_CHARS)`);
      }
    }
  }
  if (refs > caps.maxRefs) {
    throw unprocessable(`Push has ${refs} reference entries; the maximum per push is ${caps.maxRefs} (ACAI_PUSH_MAX_REFS). Split it into smaller pushes`);
  }
}
