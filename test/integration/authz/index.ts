export type { Policy } from './policy.js';
export { KERNEL_ROUTES } from './kernel.routes.js';
export { CONTENT_ROUTES } from './content.routes.js';
export { REVIEW_ROUTES } from './review.routes.js';
export { CATALOG_ROUTES } from './catalog.routes.js';
export { WEB_ROUTES } from './web.routes.js';
export { WEBHOOK_ROUTES } from './webhooks.routes.js';
export { CONNECTION_ROUTES } from './connections.routes.js';
export { DELIVERY_ROUTES } from './deliveries.routes.js';
