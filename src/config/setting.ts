/**
 * What one configuration setting is: the environment variable, what it
 * accepts, its default and what it means, together with the parser that
 * enforces exactly that. src/config/settings.ts declares every setting with
 * these builders; loadConfig and the documentation's table both read it.
 */

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
  }
}

export interface Setting<T> {
  readonly variable: string;
  /** What the variable accepts, as the documentation shows it. */
  readonly accepts: string;
  /** The default as the documentation shows it; null: unset. */
  readonly shownDefault: string | null;
  readonly description: string;
  /** The value for this environment; an unset or empty variable gets the default. */
  read(env: Env): T;
}

type Described = { variable: string; description: string };

const code = (text: string | number) => `\`${text}\``;

/** `raw` unless the variable is unset or empty, the way every setting treats "not given". */
function given(env: Env, variable: string): string | undefined {
  const raw = env[variable];
  return raw === undefined || raw === '' ? undefined : raw;
}

export function integer(spec: Described & { default: number; min: number; max: number }): Setting<number> {
  const { variable, min, max } = spec;
  return {
    variable,
    accepts: `integer, ${min} to ${max}`,
    shownDefault: code(spec.default),
    description: spec.description,
    read(env) {
      const raw = given(env, variable);
      if (raw === undefined) return spec.default;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < min || value > max) {
        throw new ConfigError(variable, `expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      }
      return value;
    },
  };
}

export function oneOf<const T extends string>(spec: Described & { values: readonly T[]; default: T }): Setting<T> {
  return {
    variable: spec.variable,
    accepts: `${spec.values.slice(0, -1).map(code).join(', ')} or ${code(spec.values.at(-1)!)}`,
    shownDefault: code(spec.default),
    description: spec.description,
    read(env) {
      const raw = given(env, spec.variable);
      if (raw === undefined) return spec.default;
      if (!(spec.values as readonly string[]).includes(raw)) {
        throw new ConfigError(spec.variable, `expected one of ${spec.values.join(', ')}, got ${JSON.stringify(raw)}`);
      }
      return raw as T;
    },
  };
}

/** A switch spelled with two words (`true`/`false`, `on`/`off`), read as a boolean. */
export function flag(spec: Described & { words: readonly [yes: string, no: string]; default: boolean }): Setting<boolean> {
  const [yes, no] = spec.words;
  const words = oneOf({ ...spec, values: [yes, no], default: spec.default ? yes : no });
  return { ...words, read: (env) => words.read(env) === yes };
}

/** Taken as given, with no check beyond "not empty". */
export function text(spec: Described & { accepts: string; default: string }): Setting<string> {
  return {
    variable: spec.variable,
    accepts: spec.accepts,
    shownDefault: code(spec.default),
    description: spec.description,
    read: (env) => given(env, spec.variable) ?? spec.default,
  };
}

/**
 * A setting with its own parser. `parse` gets the given value (never empty)
 * and `unset` decides what no value means; both get the whole environment,
 * for rules that depend on another setting, and `refuse` to explain a refusal.
 */
export function custom<T>(
  spec: Described & {
    accepts: string;
    shownDefault: string | null;
    parse(raw: string, refuse: Refuse, env: Env): T;
    unset(refuse: Refuse, env: Env): T;
  },
): Setting<T> {
  const refuse: Refuse = (problem) => {
    throw new ConfigError(spec.variable, problem);
  };
  return {
    variable: spec.variable,
    accepts: spec.accepts,
    shownDefault: spec.shownDefault,
    description: spec.description,
    read(env) {
      const raw = given(env, spec.variable);
      return raw === undefined ? spec.unset(refuse, env) : spec.parse(raw, refuse, env);
    },
  };
}

type Refuse = (problem: string) => never;

/** Settings arranged in the shape of the value they produce. */
export type SettingsTree = { readonly [key: string]: Setting<unknown> | SettingsTree };

/** The value a tree of settings produces: the same shape, each setting replaced by its value. */
export type ValuesOf<T> = T extends Setting<infer V> ? V : { -readonly [K in keyof T]: ValuesOf<T[K]> };

function isSetting(node: Setting<unknown> | SettingsTree): node is Setting<unknown> {
  return typeof node.read === 'function';
}

/** Reads every setting in declaration order, so the first problem is the one reported. */
export function readSettings<T extends SettingsTree>(tree: T, env: Env): ValuesOf<T> {
  const values: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(tree)) values[key] = isSetting(node) ? node.read(env) : readSettings(node, env);
  return values as ValuesOf<T>;
}

/** Every setting of the tree, in declaration order. */
export function listSettings(tree: SettingsTree): Setting<unknown>[] {
  return Object.values(tree).flatMap((node) => (isSetting(node) ? [node] : listSettings(node)));
}
