import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { Lexer, Source, TokenKind, type GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { LimitsConfig } from '../config/config.js';
import { toGraphQLError, withMessage } from '../graphql/error-mapping.js';
import { appError } from '../lib/errors.js';
import type { PipelineContext } from './pipeline-context.js';

const SUGGESTIONS = /\s*Did you mean [^?]+\?/g;

/**
 * Refuses queries over the configured token, depth, alias, directive and cost
 * limits (graphql-armor's rules; cost as armor computes it: objects 2, scalars
 * 1, ×1.5 per level, × `first`/`last`), before anything runs. Field
 * suggestions ("Did you mean …?") are shown only to requests admitted with a
 * valid key, so the schema cannot be mapped without one.
 *
 * Armor's packages are CommonJS and build errors with their own copy of
 * graphql, which Yoga would not recognise (it would answer 500); so rules
 * report through callbacks and the errors are built here. Refusals are
 * thrown rather than returned, so they answer 400 even to application/json
 * clients (Yoga answers those plain validation errors with 200).
 */
export function useQueryLimits(limits: LimitsConfig['query']): Plugin {
  const callbacks = { exposeLimits: true, propagateOnRejection: false, onReject: [report], onAccept: [] };
  const rules = [
    maxDepthRule({ n: limits.maxDepth, ...callbacks }),
    maxAliasesRule({ n: limits.maxAliases, ...callbacks }),
    maxDirectivesRule({ n: limits.maxDirectives, ...callbacks }),
    costLimitRule({ maxCost: limits.maxCost, ...callbacks }),
  ];
  // Clients repeat the same few documents: lex each one once (bounded, like Yoga's own parse cache).
  const withinTokens = new Map<string, boolean>();
  const tooManyTokens = (query: string) => {
    let within = withinTokens.get(query);
    if (within === undefined) {
      within = !tokensExceed(query, limits.maxTokens);
      // Only ordinary-sized documents are remembered, so the cache stays small.
      if (query.length <= 10_000) {
        if (withinTokens.size >= 1000) withinTokens.delete(withinTokens.keys().next().value!);
        withinTokens.set(query, within);
      }
    }
    return !within;
  };
  return {
    onParams({ params, setResult }) {
      if (params.query && tooManyTokens(params.query)) {
        setResult({ errors: [tooComplex(`Token limit of ${limits.maxTokens} exceeded.`)] });
      }
    },
    onValidate({ addValidationRule, context }) {
      for (const rule of rules) addValidationRule(rule as never);
      const admitted = (context as PipelineContext).principal !== undefined;
      return ({ valid, result, setResult }) => {
        if (valid) return;
        // Thrown, not returned: Yoga answers returned validation errors with 200 to
        // application/json clients, and a limit refusal should read as the 400 it is.
        const overLimit = result.find((error) => error.extensions?.code === 'QUERY_TOO_COMPLEX');
        if (overLimit) throw overLimit;
        if (admitted) return;
        setResult(result.map((error) => (error.message.includes('Did you mean') ? withoutSuggestions(error) : error)));
      };
    },
  };
}

function tooComplex(message: string): GraphQLError {
  return toGraphQLError(appError('QUERY_TOO_COMPLEX', message.replace(/^Syntax Error: /, '')));
}

function report(context: ValidationContext | null, error: Error): void {
  context?.reportError(tooComplex(error.message));
}

/**
 * Counts lexer tokens before anything parses the document, as armor's
 * max-tokens does (its parser subclass would need its own graphql copy).
 * A document that does not lex is left to the parser to report.
 */
function tokensExceed(query: string, max: number): boolean {
  try {
    const lexer = new Lexer(new Source(query));
    let count = 0;
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (++count > max) return true;
    }
    return false;
  } catch {
    return false;
  }
}

function withoutSuggestions(error: GraphQLError): GraphQLError {
  return withMessage(error, error.message.replace(SUGGESTIONS, ''));
}
