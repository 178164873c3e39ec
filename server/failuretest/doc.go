//go:build unix

// Package failuretest breaks oxdrop on purpose and checks that nothing is
// lost or left half-made: the real `oxdrop serve` binary is killed with
// SIGKILL mid-upload, clients disconnect mid-part or stall mid-body, 10,000
// parts arrive in one request, 24 clients race for one name, and the disk
// fills up (a go-billy wrapper in-process, and a real tmpfs when mounting is
// allowed). The tests are in the _test files; harness/ and fullfs/ are the
// helpers, also used by the benchmarks under bench/.
package failuretest
