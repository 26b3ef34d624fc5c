/**
 * Send-time stamps of the latency scenario, shared by the server (which writes them) and the
 * contenders (which read them): epoch milliseconds with 3 decimals, a clock that every process
 * of the machine shares, in a fixed-width annotation so the server can stamp pre-serialised events.
 */

/** The annotation carrying an event's send time when the server paces the replay. */
export const SENT_ANNOTATION = 'bench.kube-rx/sent';

/** Characters of a stamp (`1763789012345.678`). */
export const STAMP_WIDTH = 17;

/** Epoch milliseconds, sub-millisecond. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

/** The current time as a stamp of exactly {@link STAMP_WIDTH} characters. */
export const stamp = (): string => epochMs().toFixed(3).padStart(STAMP_WIDTH, '0');
