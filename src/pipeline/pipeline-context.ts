import type { Client, Principal, Tenant } from '../auth/principal.js';
import type { Slot } from '../rate-limit/concurrency.js';
import type { HostDayBudget } from '../rate-limit/host-day-budget.js';
import type { Deadline } from './deadline.js';
import type { OperationSummary } from './operation.js';

/**
 * The object Yoga hands every hook of one operation; the same object, extended
 * with the app's services, is the resolvers' context. The pipeline writes the
 * caller here once (principal, tenant, client) and keeps its own bookkeeping
 * under `operation`: nothing is looked up by Request elsewhere.
 */
export type PipelineContext = {
  /** The request's id (request-identity.plugin.ts): response header, errors, audit record, access log, trace. */
  requestId?: string;
  /** The caller's address, worked out once when the request arrives (client-address.ts). */
  clientIp?: string | null;
  /** What the access log and metrics learn as the request goes (access-log.plugin.ts). */
  observation?: RequestObservation;
  /** The caller its key identified, before the checks that may still refuse it (the access log names it). */
  identified?: Principal;
  /** Yoga assigns these two once admission has passed (from parsing on). */
  request?: Request;
  /** Node's request, when served by node:http (the socket gives the peer address). */
  req?: { socket?: { remoteAddress?: string } };
  params?: { operationName?: string | null; query?: string };
  principal?: Principal;
  tenant?: Tenant;
  client?: Client;
  /** Rate-limit headers for the response, set as soon as the caller was counted (429s carry them too). */
  responseHeaders?: Record<string, string>;
  /** Stops at the request's deadline or when its client goes away (deadline.ts). */
  deadline?: Deadline;
  /** What this request's availability and freeBusy calls may still cover. */
  hostDays?: HostDayBudget;
  operation?: OperationInFlight;
};

/** An admitted operation: the slot to give back and what its audit record says. */
export type OperationInFlight = {
  slot: Slot;
  deadline: Deadline;
  startedAt: Date;
  summary?: OperationSummary;
  /** performance.now() when its document's validation began, and when its result was complete (graphql_envelop_request_duration). */
  validatedAt?: number;
  endedAt?: number;
  /** Set by stages that must act once the operation's result is known (e.g. origin refresh). */
  afterResult: Array<() => Promise<void>>;
  /** Its slot was given back and its audit record written: once, whichever hook saw its end first. */
  finished?: boolean;
};

/** One request as the access log sees it, from arrival to its last byte (the end of a stream). */
export type RequestObservation = {
  /** performance.now() on arrival. */
  startedAt: number;
  /** The error codes of the answer, in order (a few at most); none: ok. */
  codes: string[];
  /** A streamed result is over when its stream is, not when the response starts. */
  stream?: 'open' | 'closed';
  status?: number;
  /** performance.now() when the response started (graphql_yoga_http_duration). */
  respondedAt?: number;
  logged?: boolean;
};
