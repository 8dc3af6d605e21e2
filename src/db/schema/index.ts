export * from './common.js';
export * from './organizations.js';
export * from './api-keys.js';
export * from './audit.js';
export * from './event-types.js';
export * from './bookings.js';
export * from './team.js';
