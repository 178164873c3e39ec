//go:build unix

package harness

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ModuleRoot is the directory of oxdrop's go.mod, found with `go env GOMOD`
// so the harness works from any package directory.
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the oxdrop module (go env GOMOD is empty)")
	}
	return filepath.Dir(mod), nil
}

// Build compiles ./server/cmd/oxdrop into dir and returns the binary's path.
func Build(dir string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "oxdrop")
	cmd := exec.Command("go", "build", "-o", bin, "./server/cmd/oxdrop")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./server/cmd/oxdrop: %v\n%s", err, out)
	}
	return bin, nil
}

// Workdir makes a temporary folder under dir (the default temporary folder
// if "") named after prefix, for a benchmark's data, and builds oxdrop into
// it unless bin names a binary already. The caller removes base.
func Workdir(dir, prefix, bin string) (base, binary string, err error) {
	base, err = os.MkdirTemp(dir, prefix)
	if err != nil {
		return "", "", err
	}
	if bin == "" {
		if bin, err = Build(base); err != nil {
			os.RemoveAll(base)
			return "", "", err
		}
	}
	return base, bin, nil
}

// Server is one running `oxdrop serve` process on a free loopback port.
type Server struct {
	Bin, Data string
	Args      []string // extra flags
	URL       string   // http://127.0.0.1:port
	Cmd       *exec.Cmd
	// Ready is the time from starting the process to its first 200 on GET /.
	Ready time.Duration

	log    syncBuffer
	exited chan struct{}
	err    error // the process's exit status, set before exited closes
}

// Start runs `bin serve -addr 127.0.0.1:<free port> -data data args...` and
// waits until GET / answers 200 (at most 20 s). It retries with another port
// if the chosen one was taken in between.
func Start(bin, data string, args ...string) (*Server, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s := &Server{Bin: bin, Data: data, Args: args, URL: "http://127.0.0.1:" + strconv.Itoa(port)}
		if err := s.start(port); err == nil {
			return s, nil
		} else {
			lastErr = err
		}
	}
	return nil, lastErr
}

// Restart starts the process again on a new port with the same data and
// flags (after Kill or Stop).
func (s *Server) Restart() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.URL = "http://127.0.0.1:" + strconv.Itoa(port)
	return s.start(port)
}

func (s *Server) start(port int) error {
	args := append([]string{"serve", "-addr", "127.0.0.1:" + strconv.Itoa(port), "-data", s.Data}, s.Args...)
	s.Cmd = exec.Command(s.Bin, args...)
	s.Cmd.Stdout = &s.log
	s.Cmd.Stderr = &s.log
	s.exited = make(chan struct{})
	began := time.Now()
	if err := s.Cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", s.Bin, err)
	}
	go func(cmd *exec.Cmd, exited chan struct{}) {
		s.err = cmd.Wait()
		close(exited)
	}(s.Cmd, s.exited)

	client := &http.Client{Timeout: time.Second}
	deadline := began.Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("oxdrop serve exited before answering (%v); its log:\n%s", s.err, s.Log())
		default:
		}
		resp, err := client.Get(s.URL + "/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.Ready = time.Since(began)
				return nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	s.Kill()
	return fmt.Errorf("oxdrop serve did not answer GET / with 200 within 20 s; its log:\n%s", s.Log())
}

// Kill sends SIGKILL and waits for the process to be gone.
func (s *Server) Kill() {
	s.signal(syscall.SIGKILL, 10*time.Second)
}

// Stop asks for a graceful shutdown (SIGTERM), then kills after 10 s.
func (s *Server) Stop() {
	if !s.signal(syscall.SIGTERM, 10*time.Second) {
		s.Kill()
	}
}

// Quit sends SIGQUIT, which makes the Go runtime print every goroutine's
// stack to stderr and exit; it returns the log with that dump.
func (s *Server) Quit() string {
	if !s.signal(syscall.SIGQUIT, 10*time.Second) {
		s.Kill()
	}
	return s.Log()
}

// signal sends sig and reports whether the process exited within wait.
func (s *Server) signal(sig syscall.Signal, wait time.Duration) bool {
	if s.Cmd == nil || s.Cmd.Process == nil {
		return true
	}
	select {
	case <-s.exited:
		return true
	default:
	}
	_ = s.Cmd.Process.Signal(sig)
	select {
	case <-s.exited:
		return true
	case <-time.After(wait):
		return false
	}
}

// Exited reports whether the process has ended.
func (s *Server) Exited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// Log is everything the process wrote to stdout and stderr so far.
func (s *Server) Log() string { return s.log.String() }

// PeakRSS is the process's peak resident set size (VmHWM) in bytes.
func (s *Server) PeakRSS() (int64, error) { return s.procStatus("VmHWM") }

// RSS is the process's current resident set size (VmRSS) in bytes.
func (s *Server) RSS() (int64, error) { return s.procStatus("VmRSS") }

// CPUTime is the CPU time (user + system) the process has used so far, from
// /proc/<pid>/stat: unlike wall time, it does not grow when other processes
// take the cores, so it shows what a change costs on a shared machine.
func (s *Server) CPUTime() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.Cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: count fields after its ")".
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat: %.100q", s.Cmd.Process.Pid, b)
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3 (state); utime is field 14, stime 15
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat: %.100q", s.Cmd.Process.Pid, b)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", s.Cmd.Process.Pid, err)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

func (s *Server) procStatus(field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.Cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || name != field {
			continue
		}
		f := strings.Fields(rest) // "123456 kB"
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("unexpected %s line %q", field, line)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		return kb << 10, err
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, s.Cmd.Process.Pid)
}

// freePort asks the kernel for a free loopback port. Another process could
// take it before oxdrop binds it; Start retries when that happens.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// syncBuffer is a bytes.Buffer safe for the process's two output pipes and
// readers in the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	// Bounded: a chatty server must not grow the test's memory forever.
	if b.buf.Len() > 8<<20 {
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
