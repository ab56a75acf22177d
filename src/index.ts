export { ErrorCode, MtlsError, ParseError } from "./errors.ts";
