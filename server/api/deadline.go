package api

import (
	"errors"
	"net/http"
	"os"
	"time"
)

// idleDeadline keeps a connection deadline (read or write) a fixed idle
// interval ahead while I/O makes progress, so a peer that stops sending or
// stops reading is cut off after that interval however long the transfer
// as a whole takes. Pushing is cheap: the deadline moves at most once per
// step (a quarter of the interval, at most a second), so a stall is cut
// after between idle-step and idle. Not safe for concurrent use; a nil
// *idleDeadline does nothing.
type idleDeadline struct {
	set   func(time.Time) error // ResponseController.SetReadDeadline or SetWriteDeadline
	idle  time.Duration
	step  time.Duration
	limit time.Time // never pushed past this (the server's total read timeout); zero: none
	last  time.Time // when the deadline was last pushed
	// capped: the last push set limit, not now+idle, so a timeout from
	// here on is the total read timeout's.
	capped bool
	off    bool
}

// newIdleDeadline returns nil when idle is not positive.
func newIdleDeadline(set func(time.Time) error, idle time.Duration, limit time.Time) *idleDeadline {
	if idle <= 0 {
		return nil
	}
	return &idleDeadline{set: set, idle: idle, step: min(idle/4, time.Second), limit: limit}
}

// push moves the deadline to now+idle (capped at limit) unless it moved
// less than a step ago. A writer that cannot set deadlines (Workers, a
// wrapper without Unwrap) turns it off for good.
func (d *idleDeadline) push() {
	if d == nil || d.off {
		return
	}
	now := time.Now()
	if now.Sub(d.last) < d.step {
		return
	}
	t := now.Add(d.idle)
	capped := !d.limit.IsZero() && t.After(d.limit)
	if capped {
		t = d.limit
	}
	if d.set(t) != nil {
		d.off = true
		return
	}
	d.last, d.capped = now, capped
}

// idleFired reports whether a deadline error came from the idle interval
// (and not from the total read timeout or someone else's deadline).
func (d *idleDeadline) idleFired() bool { return d != nil && !d.last.IsZero() && !d.capped }

// stop leaves the deadline where it is and pushes no more: answerUpload
// then sets its own; at the body's end net/http clears it (it waits for the
// connection's next request in the background, and a deadline firing there
// would cancel the request's context while the handler still publishes).
func (d *idleDeadline) stop() {
	if d != nil {
		d.off = true
	}
}

// bodyDeadline is the idle read deadline of r's body, or nil: off, or
// nothing to read. The limit is the http.Server's ReadTimeout counted from
// now (the server's own deadline, which each push would otherwise replace,
// started a little earlier, when it began reading the headers).
func (h *handler) bodyDeadline(w http.ResponseWriter, r *http.Request) *idleDeadline {
	if h.cfg.BodyIdleTimeout <= 0 || r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	var limit time.Time
	if srv, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok && srv.ReadTimeout > 0 {
		limit = time.Now().Add(srv.ReadTimeout)
	}
	return newIdleDeadline(http.NewResponseController(w).SetReadDeadline, h.cfg.BodyIdleTimeout, limit)
}

// writeDeadline is the idle write deadline of the response, or nil. It is
// pushed once now: a deadline left by an earlier response on the same
// connection must not cut this one (net/http resets it only when its own
// http.Server.WriteTimeout is set).
func (h *handler) writeDeadline(w http.ResponseWriter) *idleDeadline {
	d := newIdleDeadline(http.NewResponseController(w).SetWriteDeadline, h.cfg.WriteTimeout, time.Time{})
	d.push()
	return d
}

// timedOut reports whether a body read failed on a deadline: the idle
// interval or the server's total read timeout.
func timedOut(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }
