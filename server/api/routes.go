package api

import (
	"net/http"
)

// routes maps the API's endpoints. Each path has its methods' handlers
// and a fallback for any other method: 405 with Allow (or the CORS
// preflight for OPTIONS), answered as JSON like every API error, which
// ServeMux's own 405 is not.
func (h *handler) routes() *http.ServeMux {
	mux := http.NewServeMux()
	endpoint := func(path, allow string, methods map[string]func(http.ResponseWriter, *http.Request) error) {
		for method, serve := range methods {
			mux.HandleFunc(method+" "+path, h.api(serve))
		}
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodOptions {
				h.preflight(w, r)
				return
			}
			w.Header().Set("Allow", allow)
			h.writeError(w, r, errorf(http.StatusMethodNotAllowed, "Method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow))
		})
	}
	// GET patterns match HEAD too.
	endpoint("/api/repos", "POST, OPTIONS", map[string]func(http.ResponseWriter, *http.Request) error{
		"POST": func(w http.ResponseWriter, r *http.Request) error { return h.withUploadSlot(w, r, h.create) },
	})
	endpoint("/api/uploads", "POST, OPTIONS", map[string]func(http.ResponseWriter, *http.Request) error{"POST": h.planUpload})
	endpoint("/api/uploads/{id}", "GET, HEAD, DELETE, OPTIONS", map[string]func(http.ResponseWriter, *http.Request) error{
		"GET": h.uploadStatus, "DELETE": h.cancelUpload,
	})
	// tus: OPTIONS is its discovery as well as the CORS preflight.
	endpoint("/api/uploads/{id}/files", "POST, OPTIONS", map[string]func(http.ResponseWriter, *http.Request) error{
		"POST": h.tus(h.tusCreate),
	})
	endpoint("/api/uploads/{id}/files/{hash}", "HEAD, PATCH, DELETE, POST, OPTIONS", map[string]func(http.ResponseWriter, *http.Request) error{
		"HEAD":   h.tus(h.tusHead),
		"PATCH":  func(w http.ResponseWriter, r *http.Request) error { return h.withUploadSlot(w, r, h.tus(h.tusPatch)) },
		"DELETE": h.tus(h.tusTerminate),
		"POST": func(w http.ResponseWriter, r *http.Request) error {
			return h.withUploadSlot(w, r, h.tus(h.tusOverride))
		},
	})
	mux.HandleFunc("OPTIONS /api/uploads/{id}/files", h.tusOptions)
	mux.HandleFunc("OPTIONS /api/uploads/{id}/files/{hash}", h.tusOptions)
	endpoint("/api/limits", "GET, HEAD, OPTIONS", map[string]func(http.ResponseWriter, *http.Request) error{"GET": h.limits})
	endpoint("/api/repos/{namespace}/{name}", "GET, HEAD, OPTIONS", map[string]func(http.ResponseWriter, *http.Request) error{
		"GET": func(w http.ResponseWriter, r *http.Request) error {
			return h.getRepo(w, r, r.PathValue("namespace"), r.PathValue("name"))
		},
	})
	endpoint("/api/repos/{namespace}/{name}/file/main/{path...}", "GET, HEAD, OPTIONS", map[string]func(http.ResponseWriter, *http.Request) error{
		"GET": func(w http.ResponseWriter, r *http.Request) error {
			return h.getFile(w, r, r.PathValue("namespace"), r.PathValue("name"), r.PathValue("path"))
		},
	})
	notFound := func(w http.ResponseWriter, r *http.Request) {
		h.writeError(w, r, errorf(http.StatusNotFound, "No API endpoint at %s %s", r.Method, r.URL.Path))
	}
	mux.HandleFunc("/api", notFound)
	mux.HandleFunc("/api/", notFound)
	if h.cfg.App != nil {
		mux.Handle("/", h.cfg.App)
	} else {
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "404 page not found", http.StatusNotFound)
		})
	}
	return mux
}

// api adapts an endpoint (ServeHTTP has set the CORS headers): the bearer token for every method
// that writes, and its error as the JSON answer.
func (h *handler) api(serve func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := h.authorize(r); err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="oxdrop"`)
				h.writeError(w, r, err)
				return
			}
		}
		if err := serve(w, r); err != nil {
			h.writeError(w, r, err)
		}
	}
}
