// `node --import tsx --import ./register.mjs`: the full app without access control (admission.ts here says what that leaves out).
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
