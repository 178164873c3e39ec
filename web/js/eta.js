// Upload speed and time left. Raw progress events arrive in bursts (the
// network stack hands over buffers unevenly), so the speed is an
// exponentially weighted moving average and the time left is never allowed
// to go up: a person watching a countdown that jumps back loses trust in it.

export class ProgressMeter {
  /**
   * @param {number} total bytes to send
   * @param {{halfLife?: number, now?: number, loaded?: number}} [opts] halfLife
   *   in seconds of the speed average; now in ms (for tests); loaded: bytes
   *   already there when counting starts (a resumed upload's), not speed
   */
  constructor(total, opts = {}) {
    this.total = total;
    this.halfLife = opts.halfLife ?? 2;
    this.start = opts.now ?? performance.now();
    this.lastTime = this.start;
    this.lastLoaded = opts.loaded ?? 0;
    this.speed = 0; // bytes per second, smoothed
    this.eta = Infinity; // seconds, never increases once known
  }

  /**
   * Records that `loaded` bytes were sent by time `now` (ms) and returns
   * {loaded, total, fraction, speed, eta}.
   */
  update(loaded, now = performance.now()) {
    const dt = (now - this.lastTime) / 1000;
    const delta = loaded - this.lastLoaded;
    if (dt > 0 && delta >= 0) {
      const instant = delta / dt;
      // The weight of the new sample grows with the time it covers, so a
      // burst of events a millisecond apart does not swing the average.
      const alpha = 1 - Math.pow(0.5, dt / this.halfLife);
      this.speed = this.speed === 0 ? instant : this.speed + alpha * (instant - this.speed);
      this.lastTime = now;
      this.lastLoaded = loaded;
    }
    const remaining = Math.max(0, this.total - loaded);
    if (remaining === 0) this.eta = 0;
    else if (this.speed > 0) {
      // Wait for a little history before showing any estimate at all.
      const elapsed = (now - this.start) / 1000;
      if (elapsed >= 0.5) this.eta = Math.min(this.eta, remaining / this.speed);
    }
    return {
      loaded,
      total: this.total,
      fraction: this.total > 0 ? Math.min(1, loaded / this.total) : 1,
      speed: this.speed,
      eta: this.eta,
    };
  }
}
