import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { INPUT_LIMITS } from '../lib/input-limits.js';
import { builder } from './builder.js';

builder.queryType({
  description:
    'Every field declares the scopes it needs with @requiresScopes or @authenticated. ' +
    "A field the key may not use, or that fails, answers null with an error naming it, next to the other fields' data.",
});
builder.mutationType({
  description:
    'Every mutation declares the scopes it needs with @requiresScopes. ' +
    'A mutation the key may not use, or that fails, answers null with an error naming it.',
});

builder.addScalarType('DateTime', DateTimeResolver, {
  description:
    'A date-time string at UTC, such as 2007-12-03T10:15:30Z (RFC 3339). ' +
    `As an argument, from ${INPUT_LIMITS.earliestDate.toISOString()} to ${INPUT_LIMITS.latestDate.toISOString()}.`,
});
builder.addScalarType('JSON', JSONResolver, {
  description:
    'Any JSON value (ECMA-404). As an argument: at most ' +
    `${INPUT_LIMITS.maxJsonDepth} levels deep, ${INPUT_LIMITS.maxListItems} entries per object or array, ` +
    `keys of at most ${INPUT_LIMITS.maxJsonKeyLength} characters and strings of at most ${INPUT_LIMITS.maxStringLength}.`,
});
