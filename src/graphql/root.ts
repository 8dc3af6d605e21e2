import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { builder } from './builder.js';

builder.queryType({ description: 'Every field declares the scopes it needs with @requiresScopes or @authenticated.' });
builder.mutationType({ description: 'Every mutation declares the scopes it needs with @requiresScopes.' });

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);
