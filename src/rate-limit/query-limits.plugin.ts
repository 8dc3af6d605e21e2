import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError, type ParseOptions, type Source, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { LimitsConfig } from '../config.js';
import { ERROR_CODES } from '../graphql/errors.js';

const SUGGESTIONS = /\s*Did you mean [^?]+\?/g;

/**
 * Refuses queries over the configured depth, alias, token, directive and cost
 * limits (graphql-armor's rules, cost as armor computes it: objects 2, scalars
 * 1, ×1.5 per level, × `first`/`last`), before anything runs. Field
 * suggestions ("Did you mean …?") are shown only to clients presenting a key
 * this instance has recently verified, so the schema cannot be mapped without one.
 *
 * Armor's packages are CommonJS and build errors with their own copy of
 * graphql, which Yoga would not recognise (it would answer 500); so rules
 * report through callbacks and errors are rebuilt here.
 */
export function useQueryLimits(limits: LimitsConfig['query'], hasVerifiedKey: (request: Request) => boolean): Plugin {
  const callbacks = { exposeLimits: true, propagateOnRejection: false, onReject: [report], onAccept: [] };
  const rules = [
    maxDepthRule({ n: limits.maxDepth, ...callbacks }),
    maxAliasesRule({ n: limits.maxAliases, ...callbacks }),
    maxDirectivesRule({ n: limits.maxDirectives, ...callbacks }),
    costLimitRule({ maxCost: limits.maxCost, ...callbacks }),
  ];
  const parse = (source: string | Source, options?: ParseOptions) => {
    try {
      const parser = new MaxTokensParserWLexer(source, { ...options, n: limits.maxTokens } as never);
      return parser.parseDocument();
    } catch (error) {
      throw rebuilt(error);
    }
  };
  return {
    onParse({ setParseFn }) {
      setParseFn(parse as never);
    },
    onValidate({ addValidationRule, context }) {
      for (const rule of rules) addValidationRule(rule as never);
      const request = (context as { request?: Request }).request;
      return ({ valid, result, setResult }) => {
        if (valid || (request && hasVerifiedKey(request))) return;
        setResult(result.map((error) => (error.message.includes('Did you mean') ? withoutSuggestions(error) : error)));
      };
    },
  };
}

function report(context: ValidationContext | null, error: Error): void {
  const message = error.message.replace(/^Syntax Error: /, '');
  const { status, type } = ERROR_CODES.QUERY_TOO_COMPLEX;
  context?.reportError(new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', type, http: { status } } }));
}

/** A parse error from armor's copy of graphql, as one of ours. */
function rebuilt(error: unknown): unknown {
  if (!(error instanceof Error) || error.name !== 'GraphQLError') return error;
  const foreign = error as Error & { locations?: readonly { line: number; column: number }[]; positions?: readonly number[]; source?: Source };
  if (/Token limit of \d+ exceeded/.test(error.message)) {
    const { status, type } = ERROR_CODES.QUERY_TOO_COMPLEX;
    return new GraphQLError(error.message.replace(/^Syntax Error: /, ''), {
      extensions: { code: 'QUERY_TOO_COMPLEX', type, http: { status } },
    });
  }
  return new GraphQLError(error.message, { source: foreign.source, positions: foreign.positions });
}

function withoutSuggestions(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message.replace(SUGGESTIONS, ''), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}
