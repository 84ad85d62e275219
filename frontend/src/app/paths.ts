/** The screens anyone may see without signing in. */
export const PUBLIC_PATHS = ['/sign-in', '/sign-up', '/verify', '/forgot-password'];
