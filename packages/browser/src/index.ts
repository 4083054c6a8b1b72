/** The browser peer's contract (filled in by the browser-peer work) */
export const BROWSER_PEER_PACKAGE = '@peershare/browser'
