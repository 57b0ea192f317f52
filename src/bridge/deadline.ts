/** A timeout that can be paused, so time spent waiting for a person does not count against a command. */
export class PausableDeadline {
  #remainingMs: number;
  #startedAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #done = false;
  readonly #onExpire: () => void;

  constructor(ms: number, onExpire: () => void) {
    this.#remainingMs = ms;
    this.#onExpire = onExpire;
    this.resume();
  }

  pause(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#remainingMs -= performance.now() - this.#startedAt;
  }

  resume(): void {
    if (this.#done || this.#timer !== undefined) return;
    this.#startedAt = performance.now();
    this.#timer = setTimeout(() => {
      this.#done = true;
      this.#timer = undefined;
      this.#onExpire();
    }, Math.max(0, this.#remainingMs));
  }

  cancel(): void {
    this.#done = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
