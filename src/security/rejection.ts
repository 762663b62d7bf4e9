/** Answers the HTTP layer gives before GraphQL runs, shaped like a GraphQL response so clients parse one format. */
export interface Rejection {
  status: number;
  body: { errors: Array<{ message: string; extensions: { code: string } }> };
}

export const RejectionCode = {
  UNAUTHENTICATED: "UNAUTHENTICATED",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  BAD_REQUEST: "BAD_REQUEST",
} as const;

export function rejection(status: number, message: string, code: string): Rejection {
  return { status, body: { errors: [{ message, extensions: { code } }] } };
}

export function payloadTooLarge(maxBodyBytes: number): Rejection {
  return rejection(413, `request body over ${maxBodyBytes} bytes`, RejectionCode.PAYLOAD_TOO_LARGE);
}
