/**
 * The ablation behind `npm run bench:cpu`'s "(b) without access control" row,
 * which measures what access control itself costs a request of the full app.
 * register.mjs puts this module in place of src/pipeline/admission.ts, in
 * that one target's process: the bench's key is verified once, and from then
 * on every request is admitted as its caller — no key parsing or hashing, no
 * failed-authentication throttle, no origin, address or organization check,
 * no request limit, slot, usage budget or last-used tracking. The rest of the
 * app runs as it does: the operation starts as admission.ts starts it
 * (operation-start.ts), the scopes are checked by the schema, and the audit
 * record, metrics, log and deadline are all there. It lives under scripts/,
 * where nothing the app imports can reach it.
 */
import type { Principal } from '../../../src/auth/principal.js';
import { presentedApiKey } from '../../../src/auth/headers.js';
import type { AdmissionDeps } from '../../../src/pipeline/admission.js';
import { clientOf, startOperation } from '../../../src/pipeline/operation-start.js';
import type { PipelineContext } from '../../../src/pipeline/pipeline-context.js';

// Said where the bench prints, so a row measured without access control never passes for one with it.
console.error(`[pid ${process.pid}] admission replaced by scripts/bench/without-access-control: no access control in this process`);

let caller: Promise<Principal> | undefined;
const NO_SLOT = { release() {} };

export async function admit(request: Request, _operationName: string | null, context: PipelineContext, deps: AdmissionDeps): Promise<void> {
  clientOf(request, context, deps.proxies);
  caller ??= deps.keys.verify(presentedApiKey(request.headers), deps.now()).then(({ principal }) => principal);
  const principal = await caller;
  context.identified = principal;
  startOperation(context, request, deps.execution, principal, NO_SLOT, deps.now());
}
