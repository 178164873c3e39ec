// The upload box under the form: what is happening (a polite live region,
// changed only when the phase changes), the bar with bytes, speed and time
// left, the files the server already had, the retry countdown, and the
// Pause/Resume button's label.

import { ProgressMeter } from '../eta.js';
import { formatBytes, formatDuration } from '../numbers.js';

export class UploadPanel {
  /**
   * @param {{phase: HTMLElement, progress: HTMLProgressElement, figures: HTMLElement, note: HTMLElement,
   *          status: HTMLElement, statusText: HTMLElement, countdown: HTMLElement, live: HTMLElement,
   *          pause: HTMLButtonElement}} els
   *   status (with statusText and countdown) is seen; live, a status
   *   region, says the same once, without the ticking seconds
   */
  constructor(els) {
    this.els = els;
    this.meter = null;
    this.lastFigures = 0;
    this.tick = 0;
    this.idle = false; // paused or waiting to try again: no speed, no time left
    this.last = null; // the last progress(…) arguments
  }

  /** A new upload: the bar runs without a value until there are bytes to count. */
  begin(phase) {
    this.end();
    const { progress, figures, note, pause } = this.els;
    this.phase(phase);
    progress.removeAttribute('value');
    figures.textContent = '';
    note.textContent = '';
    note.hidden = true;
    pause.hidden = true;
    this.setPaused(false);
  }

  phase(text) {
    if (this.els.phase.textContent !== text) this.els.phase.textContent = text;
  }

  note(text) {
    this.els.note.textContent = text;
    this.els.note.hidden = !text;
  }

  /** Starts counting speed and time left over `total` bytes, of which `loaded` are already there. */
  meterFrom(loaded, total) {
    this.meter = new ProgressMeter(total || 1, { loaded });
    this.lastFigures = 0;
  }

  /** loaded of total bytes sent; skipped of them were on the server before (no speed in them). */
  progress(loaded, total, skipped = 0) {
    this.last = [loaded, total, skipped];
    this.els.progress.value = total > 0 ? Math.min(1, loaded / total) : 1;
    if (this.idle) {
      this.els.figures.textContent = `${formatBytes(loaded)} of ${formatBytes(total)} sent`;
      return;
    }
    if (!this.meter) this.meterFrom(loaded - skipped, total - skipped);
    this.meter.total = Math.max(1, total - skipped);
    const p = this.meter.update(loaded - skipped);
    const now = performance.now();
    if (now - this.lastFigures < 200 && p.fraction < 1) return;
    this.lastFigures = now;
    const eta = Number.isFinite(p.eta) ? (p.eta < 1 ? 'a moment left' : `about ${formatDuration(p.eta)} left`) : 'estimating time…';
    this.els.figures.textContent = `${formatBytes(loaded)} of ${formatBytes(total)} · ${formatBytes(p.speed)}/s · ${eta}`;
  }

  /** Everything is sent; the server works now. */
  sent(text) {
    this.els.progress.value = 1;
    this.els.figures.textContent = '';
    this.phase(text);
  }

  /**
   * A retry is waiting until `until` (ms since the epoch): the status says
   * why, once (it is a live region), and a countdown beside it ticks.
   * wait(null) hides it.
   */
  wait(until, why) {
    const { status, statusText, countdown } = this.els;
    clearInterval(this.tick);
    this.setIdle(until !== null);
    if (until === null) {
      status.hidden = true;
      statusText.textContent = '';
      this.say('');
      return;
    }
    const show = () => (countdown.textContent = ` in ${Math.max(0, Math.ceil((until - Date.now()) / 1000))} s`);
    show();
    this.tick = setInterval(show, 250);
    statusText.textContent = why;
    status.hidden = false;
    this.say(`${why} automatically.`);
  }

  /** The Pause button reads Resume while paused; the status says so. */
  setPaused(on) {
    const { pause, status, statusText, countdown } = this.els;
    this.setIdle(on);
    pause.textContent = on ? 'Resume' : 'Pause';
    pause.setAttribute('aria-label', on ? 'Resume the upload' : 'Pause the upload');
    if (on) {
      clearInterval(this.tick);
      countdown.textContent = '';
      statusText.textContent = 'Paused: nothing is being sent. Resume goes on where each file stopped.';
      status.hidden = false;
      this.say(statusText.textContent);
    } else if (statusText.textContent.startsWith('Paused')) this.wait(null);
  }

  /** While idle the figures say what is sent, without a speed; the meter starts again after. */
  setIdle(on) {
    this.idle = on;
    this.meter = null;
    if (this.last) this.progress(...this.last);
  }

  say(text) {
    if (this.els.live.textContent !== text) this.els.live.textContent = text;
  }

  end() {
    clearInterval(this.tick);
    this.wait(null);
    this.last = null;
  }
}
