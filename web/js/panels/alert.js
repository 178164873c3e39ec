// The page's one alert ([role=alert]): what went wrong, in plain words.

export class Alert {
  constructor(el = document.getElementById('error')) {
    this.el = el;
  }

  /** Shows message; '' clears it. */
  show(message) {
    this.el.textContent = message;
    this.el.hidden = !message;
  }

  get text() {
    return this.el.textContent;
  }
}
