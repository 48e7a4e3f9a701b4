/** Kysely table types for the audit area; follow migrations/*.sql. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled as the area's tables land
export interface AuditTables {}
