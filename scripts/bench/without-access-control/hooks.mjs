// Module resolution hooks (node:module register): request-pipeline.ts gets ./admission.ts from this directory instead of its own.
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (resolved.url.endsWith('/src/pipeline/admission.ts') && context.parentURL?.endsWith('/src/pipeline/request-pipeline.ts')) {
    return { ...resolved, url: new URL('./admission.ts', import.meta.url).href };
  }
  return resolved;
}
