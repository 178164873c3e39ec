package api

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// guard refuses, before anything else, what no page of another site may
// do through the user's browser:
//
//   - with CheckHost, a request for a Host that is not a loopback name or
//     an allowed one. A DNS-rebinding page (evil.example, re-resolved to
//     127.0.0.1) is same-origin with itself, so only its Host gives it
//     away; and it could read as well as write, so this applies to every
//     method and path, the app included.
//   - a state-changing request (anything but GET, HEAD, OPTIONS) sent by a
//     page of another origin than this server's or CORSOrigin's: a plain
//     HTML form can POST multipart across sites without any CORS preflight.
//     Requests without Origin and Sec-Fetch-Site (curl, scripts, Oxen's
//     clients) are not a browser's and pass.
//
// The cross-origin refusal is readable by the page it refuses
// (Access-Control-Allow-Origin: *, which never carries credentials, here
// and on the preflight before it): it says how to allow that origin, and
// nothing was done. Without it the page's client reports a "network
// error".
func (h *handler) guard(w http.ResponseWriter, r *http.Request) error {
	if h.cfg.CheckHost && !h.hostAllowed(r.Host) {
		return errorf(http.StatusForbidden, "Host %q is not allowed: this server answers only its loopback names (localhost, 127.0.0.1, [::1]) and the hosts listed with -allowed-hosts; start it with -allowed-hosts %s to allow this one", r.Host, hostName(r.Host))
	}
	if h.origins == nil {
		return nil
	}
	if err := h.origins.Check(r); err != nil {
		if isAPIPath(r.URL.Path) {
			w.Header().Set("Access-Control-Allow-Origin", "*")
		}
		origin := r.Header.Get("Origin")
		from := fmt.Sprintf("origin %q", origin)
		if origin == "" {
			from = "a page of another site (Sec-Fetch-Site: " + r.Header.Get("Sec-Fetch-Site") + ")"
		}
		return errorf(http.StatusForbidden, "Cross-origin request refused: %s is not this server's origin; to let pages there use the API, start the server with -cors-origin %s (OXDROP_CORS_ORIGIN on Workers)", from, suggestOrigin(origin))
	}
	return nil
}

// suggestOrigin is what to pass to -cors-origin for origin.
func suggestOrigin(origin string) string {
	if origin == "" || origin == "null" {
		return "<origin>"
	}
	return origin
}

// newOriginCheck returns the cross-origin check that lets corsOrigin
// through, or nil for "*" (any origin may write). It is net/http's:
// Sec-Fetch-Site (sent by every browser since 2023) decides when present;
// otherwise the Origin's host[:port] must equal the request's Host, in
// either scheme (TLS may end at a proxy in front), and "Origin: null"
// (sandboxed frames, file: pages) never does.
func newOriginCheck(corsOrigin string, log *slog.Logger) *http.CrossOriginProtection {
	if corsOrigin == "*" {
		return nil
	}
	c := http.NewCrossOriginProtection()
	if corsOrigin != "" {
		if err := c.AddTrustedOrigin(corsOrigin); err != nil {
			log.Error("CORS origin not usable: only same-origin pages may write", "err", err)
		}
	}
	return c
}

// hostAllowed: a loopback name or an allowed host, any port.
func (h *handler) hostAllowed(host string) bool {
	if host == "" {
		return true // HTTP/1.0 without Host: not a browser
	}
	name := hostName(host)
	if isLoopbackName(name) {
		return true
	}
	for _, a := range h.cfg.AllowedHosts {
		a = hostName(a)
		switch {
		case a == "*", a == name:
			return true
		case strings.HasPrefix(a, ".") && (name == a[1:] || strings.HasSuffix(name, a)):
			return true
		}
	}
	return false
}

// hostName is host without its port or IPv6 brackets, lower-case, without
// a trailing dot.
func hostName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return strings.TrimSuffix(strings.ToLower(host), ".")
}

// isLoopbackName reports whether a host name (no port) can only mean this
// machine: localhost and *.localhost (RFC 6761; browsers resolve them to
// loopback themselves), 127.0.0.0/8 and ::1.
func isLoopbackName(name string) bool {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(name)
	return err == nil && a.Unmap().IsLoopback()
}

// withUploadSlot runs serve in one of the MaxConcurrentUploads slots, or
// refuses with 503 before the body is read when all are taken. The slot is
// freed as soon as serve returns: an error answer's drain holds no files.
func (h *handler) withUploadSlot(w http.ResponseWriter, r *http.Request, serve func(http.ResponseWriter, *http.Request) error) error {
	if h.uploads == nil {
		return serve(w, r)
	}
	select {
	case h.uploads <- struct{}{}:
	default:
		w.Header().Set("Retry-After", uploadRetryAfter)
		return errorf(http.StatusServiceUnavailable, "The server is busy: %d repository creations are in progress, its limit (-max-uploads); retry in a few seconds", cap(h.uploads))
	}
	defer func() { <-h.uploads }()
	return serve(w, r)
}
