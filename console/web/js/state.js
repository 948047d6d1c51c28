// state.session is /api/session's answer while signed in: the key, the
// account, the CSRF token, the region and the S3 endpoint's URL.
export const state = {session: null};
