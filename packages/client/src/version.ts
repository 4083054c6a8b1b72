/** The peershare version reported by the node and the CLI */
export const VERSION = '0.1.0'
