/**
 * The macOS Seatbelt backend (SPEC §3): sandbox-exec profiles generated from
 * a sandbox policy. Generation runs on any OS; only macOS enforces it.
 */
export { SANDBOX_EXEC_PATH, createSeatbeltCommandArgs, type SeatbeltOptions } from "./command-args.js";
export { checkSeatbeltProfile } from "./check.js";
export type { SeatbeltNetworkProxy } from "./profile.js";
