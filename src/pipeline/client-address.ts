/**
 * The caller's IP: the socket's peer, or the first X-Forwarded-For hop when we
 * are told a trusted proxy sits in front (TRUST_PROXY=true).
 */
export function clientAddress(
  request: Request,
  serverContext: { req?: { socket?: { remoteAddress?: string } } },
  trustProxy: boolean,
): string | null {
  if (trustProxy) {
    const forwarded = request.headers.get('x-forwarded-for')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  return serverContext.req?.socket?.remoteAddress ?? null;
}
