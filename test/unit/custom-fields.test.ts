import { AppError } from '../../src/lib/errors.js';
import { describe, expect, it } from 'vitest';
import type { CustomFieldDefinition } from '../../src/db/schema/event-types.js';
import { validateCustomFieldDefinitions, validateCustomFieldValues } from '../../src/modules/event-types/custom-fields.js';

/** The field a BAD_USER_INPUT error names. */
function refusedField(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('BAD_USER_INPUT');
    return (error as AppError).details.field as string;
  }
  throw new Error('expected a BAD_USER_INPUT error');
}

const field = (overrides: Partial<CustomFieldDefinition>): CustomFieldDefinition => ({
  key: 'company',
  label: 'Company',
  type: 'TEXT',
  required: false,
  options: [],
  ...overrides,
});

describe('custom field definitions', () => {
  it('normalises labels and defaults required to false', () => {
    expect(validateCustomFieldDefinitions([{ key: 'company', label: ' Company ', type: 'TEXT' }])).toEqual([
      { key: 'company', label: 'Company', type: 'TEXT', required: false, options: [] },
    ]);
  });

  it('refuses duplicate keys', () => {
    const twice = [
      { key: 'company', label: 'Company', type: 'TEXT' as const },
      { key: 'company', label: 'Firm', type: 'TEXT' as const },
    ];
    expect(refusedField(() => validateCustomFieldDefinitions(twice))).toBe('customFields[1].key');
  });

  it('refuses keys that are not identifiers', () => {
    expect(refusedField(() => validateCustomFieldDefinitions([{ key: '1st', label: 'x', type: 'TEXT' }]))).toBe('customFields[0].key');
  });

  it('requires options on SELECT fields and refuses them elsewhere', () => {
    expect(refusedField(() => validateCustomFieldDefinitions([{ key: 'size', label: 'Size', type: 'SELECT' }]))).toBe(
      'customFields[0].options',
    );
    expect(
      refusedField(() => validateCustomFieldDefinitions([{ key: 'size', label: 'Size', type: 'TEXT', options: ['S'] }])),
    ).toBe('customFields[0].options');
    expect(
      refusedField(() => validateCustomFieldDefinitions([{ key: 'size', label: 'Size', type: 'SELECT', options: ['S', 'S'] }])),
    ).toBe('customFields[0].options');
  });
});

describe('custom field values', () => {
  const definitions: CustomFieldDefinition[] = [
    field({ key: 'company', type: 'TEXT', required: true }),
    field({ key: 'email', type: 'EMAIL' }),
    field({ key: 'phone', type: 'PHONE' }),
    field({ key: 'seats', type: 'NUMBER' }),
    field({ key: 'plan', type: 'SELECT', options: ['Basic', 'Pro'] }),
    field({ key: 'terms', type: 'BOOLEAN', required: true }),
  ];
  const valid = { company: ' Acme ', email: 'a@b.co', phone: '+49 30 1234567', seats: 3, plan: 'Pro', terms: true };

  it('accepts valid values and trims strings', () => {
    expect(validateCustomFieldValues(definitions, valid)).toEqual({ ...valid, company: 'Acme' });
  });

  it('leaves out blank optional fields', () => {
    expect(validateCustomFieldValues(definitions, { company: 'Acme', terms: true, email: '' })).toEqual({ company: 'Acme', terms: true });
  });

  it.each([
    ['a missing required field', { ...valid, company: undefined }, 'customFieldValues.company'],
    ['an unchecked required box', { ...valid, terms: false }, 'customFieldValues.terms'],
    ['an unknown key', { ...valid, shoeSize: 44 }, 'customFieldValues.shoeSize'],
    ['a bad email', { ...valid, email: 'nope' }, 'customFieldValues.email'],
    ['a bad phone number', { ...valid, phone: 'call me' }, 'customFieldValues.phone'],
    ['a number given as text', { ...valid, seats: '3' }, 'customFieldValues.seats'],
    ['an option not offered', { ...valid, plan: 'Enterprise' }, 'customFieldValues.plan'],
    ['a boolean given as text', { ...valid, terms: 'yes' }, 'customFieldValues.terms'],
  ])('refuses %s, naming the field', (_case, values, named) => {
    expect(refusedField(() => validateCustomFieldValues(definitions, values))).toBe(named);
  });

  it('refuses values that are not an object', () => {
    expect(refusedField(() => validateCustomFieldValues(definitions, ['Acme']))).toBe('customFieldValues');
  });

  it('accepts no values for an event type without required fields', () => {
    expect(validateCustomFieldValues([field({ key: 'company' })], null)).toEqual({});
  });
});
