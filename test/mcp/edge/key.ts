/** The one API key the edge smoke deployment accepts (its SHA-256 is in app.ts); a test fixture, not a secret. */
export const EDGE_TEST_KEY = 'amk_0123456789ab_edgeedgeedgeedgeedgeedgeedgeedgeedgeedgeedg';
