import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { INPUT_LIMITS } from '../lib/input-limits.js';
import { builder } from './builder.js';

builder.queryType({ description: 'Every field declares the scopes it needs with @requiresScopes or @authenticated.' });
builder.mutationType({ description: 'Every mutation declares the scopes it needs with @requiresScopes.' });

builder.addScalarType('DateTime', DateTimeResolver, {
  description:
    'A date-time string at UTC, such as 2007-12-03T10:15:30Z (RFC 3339). ' +
    `As an argument, from ${INPUT_LIMITS.earliestDate.toISOString()} to ${INPUT_LIMITS.latestDate.toISOString()}.`,
});
builder.addScalarType('JSON', JSONResolver);
