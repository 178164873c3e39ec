package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/oxdrop/oxdrop/build"
	"github.com/oxdrop/oxdrop/server/api"
	"github.com/oxdrop/oxdrop/server/config"
	"github.com/oxdrop/oxdrop/server/repobuild"
	"github.com/oxdrop/oxdrop/server/store/billystore"
	"github.com/oxdrop/oxdrop/server/uploads"
	"github.com/oxdrop/oxdrop/server/webapp"
)

func init() { commands["serve"] = serve }

// serveConfig is what the serve flags set.
type serveConfig struct {
	addr, data, tokensFile, corsOrigin string
	allowedHosts                       []string
	maxBody, maxFile                   int64
	maxFiles, maxUploads               int
	readTimeout, idleTimeout           time.Duration
	bodyIdleTimeout, writeTimeout      time.Duration // 0: off
	uploadTTL                          time.Duration
	maxChunk                           int64
	dedup                              bool
}

// parseServeFlags reads flags, each defaulting to its OXDROP_<NAME>
// environment variable (flags win).
func parseServeFlags(args []string, getenv func(string) string) (*serveConfig, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c := &serveConfig{}
	env := func(name, def string) string {
		if v := getenv("OXDROP_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&c.addr, "addr", env("addr", "localhost:3000"), "listen address (env OXDROP_ADDR)")
	fs.StringVar(&c.data, "data", env("data", "./data"), "data directory (env OXDROP_DATA)")
	fs.StringVar(&c.tokensFile, "tokens", env("tokens", ""), "file of bearer tokens (one per line, or comma-separated), required for POST (env OXDROP_TOKENS)")
	fs.StringVar(&c.corsOrigin, "cors-origin", env("cors-origin", ""), "allow API calls from this origin, or * (env OXDROP_CORS_ORIGIN)")
	maxBody := fs.String("max-body", env("max-body", "10GiB"), "maximum request body (env OXDROP_MAX_BODY)")
	maxFile := fs.String("max-file", env("max-file", ""), "maximum size of one file (default: -max-body) (env OXDROP_MAX_FILE)")
	// The server keeps a few KiB per file of a creation in memory (its entry),
	// so the default keeps a maximal creation near 64 MiB; raise it for bigger
	// datasets (about 5 KiB more per file).
	maxFiles := fs.String("max-files", env("max-files", "10000"), "maximum files per repository (env OXDROP_MAX_FILES)")
	readTimeout := fs.String("read-timeout", env("read-timeout", "2h"), "maximum time to read a request (env OXDROP_READ_TIMEOUT)")
	idleTimeout := fs.String("idle-timeout", env("idle-timeout", "75s"), "keep-alive idle timeout (env OXDROP_IDLE_TIMEOUT)")
	bodyIdle := fs.String("body-idle-timeout", env("body-idle-timeout", "60s"), "cut a request body that stops arriving for this long, 0: never (env OXDROP_BODY_IDLE_TIMEOUT)")
	// Not a fixed http.Server.WriteTimeout: downloads of many GiB at any
	// speed must finish; only a response that stops moving is cut.
	writeTimeout := fs.String("write-timeout", env("write-timeout", "60s"), "cut a response the client stops reading for this long, 0: never (env OXDROP_WRITE_TIMEOUT)")
	maxUploads := fs.String("max-uploads", env("max-uploads", strconv.Itoa(api.DefaultMaxConcurrentUploads)), "maximum repository creations in progress at once; more get 503 (env OXDROP_MAX_UPLOADS)")
	allowedHosts := fs.String("allowed-hosts", env("allowed-hosts", ""), "comma-separated host names answered besides loopback ones (.name: it and its subdomains, *: any); other Host headers get 403 on a loopback bind, or on any bind once this is set (env OXDROP_ALLOWED_HOSTS)")
	uploadTTL := fs.String("upload-ttl", env("upload-ttl", "24h"), "how long a resumable upload holds its name and keeps its partial files (env OXDROP_UPLOAD_TTL)")
	maxChunk := fs.String("max-chunk", env("max-chunk", "64MiB"), "largest piece of a file in a resumable upload, one request (env OXDROP_MAX_CHUNK)")
	dedup := fs.String("dedup", env("dedup", "true"), "share stored files between repositories: a plan reports what the server holds and those files are not sent again (docs/uploads.md) (env OXDROP_DEDUP)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	var err error
	if c.maxBody, err = config.ParseBytes(*maxBody); err != nil {
		return nil, fmt.Errorf("-max-body: %w", err)
	}
	if *maxFile != "" {
		if c.maxFile, err = config.ParseBytes(*maxFile); err != nil {
			return nil, fmt.Errorf("-max-file: %w", err)
		}
	}
	if c.maxFiles, err = config.ParseCount(*maxFiles); err != nil {
		return nil, fmt.Errorf("-max-files: %w", err)
	}
	if c.readTimeout, err = config.ParseDuration(*readTimeout); err != nil {
		return nil, fmt.Errorf("-read-timeout: %w", err)
	}
	if c.idleTimeout, err = config.ParseDuration(*idleTimeout); err != nil {
		return nil, fmt.Errorf("-idle-timeout: %w", err)
	}
	if c.bodyIdleTimeout, err = config.ParseDuration(*bodyIdle); err != nil {
		return nil, fmt.Errorf("-body-idle-timeout: %w", err)
	}
	if c.writeTimeout, err = config.ParseDuration(*writeTimeout); err != nil {
		return nil, fmt.Errorf("-write-timeout: %w", err)
	}
	if c.maxUploads, err = config.ParseCount(*maxUploads); err != nil {
		return nil, fmt.Errorf("-max-uploads: %w", err)
	}
	if c.uploadTTL, err = config.ParseDuration(*uploadTTL); err != nil || c.uploadTTL == 0 {
		if err == nil {
			err = errors.New("must be more than 0")
		}
		return nil, fmt.Errorf("-upload-ttl: %w", err)
	}
	if c.maxChunk, err = config.ParseBytes(*maxChunk); err != nil || c.maxChunk == 0 {
		if err == nil {
			err = errors.New("must be more than 0")
		}
		return nil, fmt.Errorf("-max-chunk: %w", err)
	}
	if c.dedup, err = strconv.ParseBool(strings.TrimSpace(*dedup)); err != nil {
		return nil, fmt.Errorf("-dedup: %q is not true or false", *dedup)
	}
	if c.corsOrigin, err = config.CORSOrigin(c.corsOrigin); err != nil {
		return nil, fmt.Errorf("-cors-origin: %w", err)
	}
	for _, h := range strings.Split(*allowedHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			c.allowedHosts = append(c.allowedHosts, h)
		}
	}
	return c, nil
}

// isLoopbackListener: bound to 127.0.0.0/8 or ::1 only.
func isLoopbackListener(ln net.Listener) bool {
	a, ok := ln.Addr().(*net.TCPAddr)
	return ok && a.IP.IsLoopback()
}

// offIfZero maps a flag's 0 (never) to api.Config's "off" (negative; its
// zero means the default).
func offIfZero(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// readTokens reads a tokens file (config.ParseTokens: one per line, or
// comma- or space-separated; # comment lines).
func readTokens(path string) ([]string, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	tokens, err := config.ParseTokens(string(text))
	if err != nil {
		return nil, fmt.Errorf("%s %w", path, err)
	}
	return tokens, nil
}

func serve(args []string) int {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	c, err := parseServeFlags(args, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "oxdrop serve:", err)
		return 2
	}
	var tokens []string
	if c.tokensFile != "" {
		if tokens, err = readTokens(c.tokensFile); err != nil {
			fmt.Fprintln(os.Stderr, "oxdrop serve: -tokens:", err)
			return 2
		}
	}
	if err := os.MkdirAll(c.data, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "oxdrop serve: -data:", err)
		return 1
	}
	// BoundOS, not osfs's default chroot wrapper: that one wraps every file
	// and hides Sync, so billystore could never fsync before its renames
	// (failuretest.TestServerSyncsBeforeRename). BoundOS wants an absolute root.
	root, err := filepath.Abs(c.data)
	if err != nil {
		fmt.Fprintln(os.Stderr, "oxdrop serve: -data:", err)
		return 1
	}
	st := billystore.New(osfs.New(root, osfs.WithBoundOS())) // also removes crashed Puts' temp files
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// No creation runs yet: every staging marker is a crash's leftover.
	if n, err := repobuild.Sweep(ctx, st, time.Now(), 0, 0); err != nil {
		log.Error("start-up staging sweep", "err", err)
	} else if n > 0 {
		log.Info("start-up staging sweep", "removed", n)
	}
	// Resumable uploads that expired while the server was down.
	ups := uploads.New(uploads.Config{Store: st, Builds: repobuild.New(repobuild.Config{Store: st})})
	if n, err := ups.Sweep(ctx, 0); err != nil {
		log.Error("start-up upload sweep", "err", err)
	} else if n > 0 {
		log.Info("start-up upload sweep", "ended", n)
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "oxdrop serve:", err)
		return 1
	}
	// On a loopback bind (the default) only local names may be asked for:
	// a DNS-rebinding page's requests name its own host. On any other bind
	// the server's names are unknown, so the check is on only when they are
	// listed.
	checkHost := isLoopbackListener(ln) || len(c.allowedHosts) > 0
	handler := api.New(api.Config{
		Store: st, MaxBodyBytes: c.maxBody, MaxFileBytes: c.maxFile, MaxFiles: c.maxFiles,
		Tokens: tokens, CORSOrigin: c.corsOrigin, Logger: log,
		App:                  webapp.New(webapp.Config{Files: appFiles(), CORSOrigin: c.corsOrigin}),
		StagingTTL:           stagingTTL(c.readTimeout),
		BodyIdleTimeout:      offIfZero(c.bodyIdleTimeout),
		WriteTimeout:         offIfZero(c.writeTimeout),
		MaxConcurrentUploads: c.maxUploads,
		CheckHost:            checkHost,
		AllowedHosts:         c.allowedHosts,
		UploadTTL:            c.uploadTTL,
		MaxChunkBytes:        c.maxChunk,
		NoDedup:              !c.dedup,
	})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 30 * time.Second,
		ReadTimeout:       c.readTimeout, // the whole request; the handler's idle deadlines never go past it
		IdleTimeout:       c.idleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
	log.Info("oxdrop serving", "url", "http://"+ln.Addr().String()+"/", "data", c.data, "auth", len(tokens) > 0,
		"host_check", checkHost, "allowed_hosts", c.allowedHosts)
	// For people: one plain line on stdout, last of the start-up output
	// (the request logs that follow stay JSON on stderr).
	fmt.Printf("oxdrop is running: open %s\n", browseURL(ln.Addr()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		log.Error("server stopped", "err", err)
		return 1
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	return 0
}

// appFiles is the web app built into the binary, or nil when it was built
// without one (the app then answers with a page saying how to build it).
func appFiles() fs.FS {
	if !build.Built() {
		return nil
	}
	return build.Dist()
}

// stagingTTL is how old a creation's staging data must be before the
// sweep may delete it: a creation lasts at most one request read, so the
// read timeout plus a margin. Without a read timeout (0) there is no such
// bound; a week keeps the sweep away from any live upload (one that sends
// nothing is cut much sooner by -body-idle-timeout).
func stagingTTL(readTimeout time.Duration) time.Duration {
	if readTimeout <= 0 {
		return 7 * 24 * time.Hour
	}
	return readTimeout + time.Minute
}
