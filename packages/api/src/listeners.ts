/** Enroll's two listeners: the public one (PORT) and the admin one (ADMIN_HOST:ADMIN_PORT). */
export type ListenerName = "public" | "admin";

/**
 * The request header that tells the pages which listener a request came through: set by the
 * pipeline on every request it hands to them, whatever the client sent, so that a page meant for
 * the admin listener (the operator page) can refuse to render anywhere else.
 */
export const LISTENER_HEADER = "x-enroll-listener";

/** Where the operator page is, among the pages (apps/web/app/operator): the admin listener's front door. */
export const OPERATOR_PAGE = "/operator";
