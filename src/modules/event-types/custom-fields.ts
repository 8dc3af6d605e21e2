/**
 * Custom fields an event type asks attendees to fill in: checking the
 * definitions an event type is saved with, and the values a booking brings.
 */
import type { CustomFieldDefinition } from '../../db/schema/event-types.js';
import { badUserInput } from '../../lib/errors.js';
import { TEXT_LIMITS } from '../../lib/input-limits.js';
import { EVENT_TYPE_LIMITS } from './limits.js';

export type CustomFieldType = CustomFieldDefinition['type'];
export const CUSTOM_FIELD_TYPES: readonly CustomFieldType[] = ['TEXT', 'EMAIL', 'PHONE', 'NUMBER', 'SELECT', 'BOOLEAN'];

export type CustomFieldInput = {
  key: string;
  label: string;
  type: CustomFieldType;
  required?: boolean | null;
  options?: readonly string[] | null;
};

const KEY = new RegExp(`^[a-zA-Z][a-zA-Z0-9_]{0,${TEXT_LIMITS.customFieldKey - 1}}$`);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Digits with the usual separators and an optional leading +; 5 to 20 digits. */
const PHONE = /^\+?[\d\s().-]+$/;
const MAX_TEXT = TEXT_LIMITS.customFieldText;
const MAX_LABEL = TEXT_LIMITS.customFieldLabel;
export const MAX_OPTIONS = 100;

/** Validates and normalises an event type's field definitions (unique keys, SELECT has options). */
export function validateCustomFieldDefinitions(fields: readonly CustomFieldInput[]): CustomFieldDefinition[] {
  if (fields.length > EVENT_TYPE_LIMITS.maxCustomFields) {
    throw badUserInput('customFields', `at most ${EVENT_TYPE_LIMITS.maxCustomFields} fields.`);
  }
  const seen = new Set<string>();
  return fields.map((field, index) => {
    const at = `customFields[${index}]`;
    if (!KEY.test(field.key)) {
      throw badUserInput(`${at}.key`, `start with a letter; use letters, digits and underscores, at most ${TEXT_LIMITS.customFieldKey} characters.`);
    }
    if (seen.has(field.key)) throw badUserInput(`${at}.key`, `"${field.key}" is used by another field.`);
    seen.add(field.key);
    const label = field.label.trim();
    if (!label || label.length > MAX_LABEL) throw badUserInput(`${at}.label`, `must be 1 to ${MAX_LABEL} characters.`);
    return { key: field.key, label, type: field.type, required: field.required ?? false, options: optionsOf(field, at) };
  });
}

function optionsOf(field: CustomFieldInput, at: string): string[] {
  const options = (field.options ?? []).map((option) => option.trim());
  if (field.type !== 'SELECT') {
    if (options.length > 0) throw badUserInput(`${at}.options`, 'only SELECT fields have options.');
    return [];
  }
  if (options.length === 0 || options.length > MAX_OPTIONS) {
    throw badUserInput(`${at}.options`, `a SELECT field needs 1 to ${MAX_OPTIONS} options.`);
  }
  if (options.some((option) => !option || option.length > MAX_LABEL)) {
    throw badUserInput(`${at}.options`, `each option must be 1 to ${MAX_LABEL} characters.`);
  }
  if (new Set(options).size !== options.length) throw badUserInput(`${at}.options`, 'options must be unique.');
  return options;
}

const isBlank = (value: unknown) => value === undefined || value === null || (typeof value === 'string' && !value.trim());

/**
 * Checks a booking's values against the event type's definitions and returns
 * them normalised (strings trimmed, blank optional fields left out). Unknown
 * keys are refused rather than silently stored. A required BOOLEAN must be
 * true: it is a consent checkbox ("I accept the terms").
 */
export function validateCustomFieldValues(
  definitions: readonly CustomFieldDefinition[],
  values: unknown,
): Record<string, unknown> {
  if (values === undefined || values === null) values = {};
  if (typeof values !== 'object' || Array.isArray(values)) {
    throw badUserInput('customFieldValues', 'must be an object keyed by custom field key.');
  }
  const given = values as Record<string, unknown>;
  const known = new Set(definitions.map((definition) => definition.key));
  for (const key of Object.keys(given)) {
    if (!known.has(key)) throw badUserInput(`customFieldValues.${key}`, 'is not a custom field of this event type.');
  }
  const out: Record<string, unknown> = {};
  for (const definition of definitions) {
    const value = given[definition.key];
    if (definition.type === 'BOOLEAN' && definition.required && value === false) {
      throw badUserInput(`customFieldValues.${definition.key}`, 'is required and must be true.');
    }
    if (isBlank(value)) {
      if (definition.required) throw badUserInput(`customFieldValues.${definition.key}`, 'is required.');
      continue;
    }
    out[definition.key] = checkedValue(definition, value);
  }
  return out;
}

function checkedValue(definition: CustomFieldDefinition, value: unknown): unknown {
  const field = `customFieldValues.${definition.key}`;
  switch (definition.type) {
    case 'BOOLEAN':
      if (typeof value !== 'boolean') throw badUserInput(field, 'must be true or false.');
      return value;
    case 'NUMBER':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw badUserInput(field, 'must be a number.');
      return value;
    default: {
      if (typeof value !== 'string') throw badUserInput(field, 'must be a string.');
      const text = value.trim();
      if (text.length > MAX_TEXT) throw badUserInput(field, `must be at most ${MAX_TEXT} characters.`);
      if (definition.type === 'EMAIL' && !EMAIL.test(text)) throw badUserInput(field, 'must be an email address.');
      if (definition.type === 'PHONE' && !isPhoneNumber(text)) throw badUserInput(field, 'must be a phone number.');
      if (definition.type === 'SELECT' && !definition.options.includes(text)) {
        throw badUserInput(field, `must be one of ${definition.options.map((option) => `"${option}"`).join(', ')}.`);
      }
      return text;
    }
  }
}

function isPhoneNumber(text: string): boolean {
  const digits = text.replace(/\D/g, '').length;
  return PHONE.test(text) && digits >= 5 && digits <= 20;
}
