// Package oxhash computes Oxen's hashes: XXH3-128 content hashes rendered as
// lowercase unpadded hex, the metadata/combined/schema hashes and commit ids.
//
// Oxen formats a u128 with Rust's "{:x}", so leading zeros are dropped and a
// hash may be shorter than 32 characters. Every hex string in oxdrop (ids,
// storage paths, manifests) uses that same form.
package oxhash

import (
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/zeebo/xxh3"
)

// Hash is an XXH3-128 value; Hi holds the upper 64 bits of Oxen's u128.
type Hash = xxh3.Uint128

// Hex renders h as Oxen does: lowercase hex without zero padding.
func Hex(h Hash) string {
	if h.Hi == 0 {
		return strconv.FormatUint(h.Lo, 16)
	}
	lo := strconv.FormatUint(h.Lo, 16)
	return strconv.FormatUint(h.Hi, 16) + strings.Repeat("0", 16-len(lo)) + lo
}

// ParseHex parses an unpadded (or padded) lowercase/uppercase hex u128.
func ParseHex(s string) (Hash, error) {
	if s == "" || len(s) > 32 {
		return Hash{}, fmt.Errorf("invalid hash %q: want 1 to 32 hex digits", s)
	}
	var h Hash
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return Hash{}, fmt.Errorf("invalid hash %q: %q is not a hex digit", s, c)
		}
		h.Hi = h.Hi<<4 | h.Lo>>60
		h.Lo = h.Lo<<4 | uint64(v)
	}
	return h, nil
}

// Sum hashes b in one shot.
func Sum(b []byte) Hash { return xxh3.Hash128(b) }

// SumHex hashes b and renders it as Oxen hex.
func SumHex(b []byte) string { return Hex(Sum(b)) }

// SumString hashes s without copying it.
func SumString(s string) Hash { return xxh3.HashString128(s) }

// Digest is a streaming XXH3-128 hasher. It is an io.Writer whose result
// equals Sum over everything written. It is xxh3.Hasher where xxh3 has
// vector code (amd64, arm64: the server) and Stream elsewhere (the browser's
// WebAssembly), digest_*.go.
type Digest struct{ h *streamHasher }

// New returns a fresh streaming hasher.
func New() *Digest { return &Digest{h: newStreamHasher()} }

// Write adds p to the hash; it never fails.
func (d *Digest) Write(p []byte) (int, error) { return d.h.Write(p) }

// WriteString adds s to the hash; it never fails.
func (d *Digest) WriteString(s string) (int, error) { return d.h.WriteString(s) }

// Reset clears the state so the Digest can be reused.
func (d *Digest) Reset() { d.h.Reset() }

// Sum128 returns the hash of everything written so far.
func (d *Digest) Sum128() Hash { return d.h.Sum128() }

// Hex returns the Oxen hex of everything written so far.
func (d *Digest) Hex() string { return Hex(d.h.Sum128()) }

// Reader hashes everything read from r.
func Reader(r io.Reader) (Hash, int64, error) {
	d := New()
	n, err := io.Copy(d.h, r)
	return d.Sum128(), n, err
}

// leBytes is Rust's u128::to_le_bytes.
func leBytes(h Hash) [16]byte {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], h.Lo)
	binary.LittleEndian.PutUint64(b[8:], h.Hi)
	return b
}

// Combined is Oxen's get_combined_hash: XXH3-128 over the content hash and
// the metadata hash, each as 16 little-endian bytes.
func Combined(content, metadata Hash) Hash {
	var buf [32]byte
	c, m := leBytes(content), leBytes(metadata)
	copy(buf[:16], c[:])
	copy(buf[16:], m[:])
	return xxh3.Hash128(buf[:])
}

// SchemaField is the part of a tabular field that enters the schema hash.
type SchemaField struct {
	Name, Dtype string
	// Metadata is the field metadata's JSON text, or "" when it has none.
	Metadata string
}

// Schema is Oxen's hash_fields: name+dtype(+metadata) of every field, in order.
func Schema(fields []SchemaField) string {
	d := New()
	for _, f := range fields {
		d.WriteString(f.Name)
		d.WriteString(f.Dtype)
		d.WriteString(f.Metadata)
	}
	return d.Hex()
}

// CommitID is Oxen's compute_commit_id: XXH3 over "commit", the parent ids in
// Rust Debug form, message, author, email and the unix seconds as i64 LE.
func CommitID(parents []string, message, author, email string, unixSeconds int64) string {
	d := New()
	d.WriteString("commit")
	d.WriteString(rustDebugStrings(parents))
	d.WriteString(message)
	d.WriteString(author)
	d.WriteString(email)
	var ts [8]byte
	binary.LittleEndian.PutUint64(ts[:], uint64(unixSeconds))
	d.Write(ts[:])
	return d.Hex()
}

// rustDebugStrings formats a Vec<String> like Rust's {:?}: ["a", "b"].
func rustDebugStrings(ss []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range ss {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('"')
		for _, r := range s {
			switch r {
			case '"':
				b.WriteString(`\"`)
			case '\\':
				b.WriteString(`\\`)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			case 0:
				b.WriteString(`\0`)
			default:
				if r < 0x20 || r == 0x7f {
					fmt.Fprintf(&b, `\u{%x}`, r)
				} else {
					b.WriteRune(r)
				}
			}
		}
		b.WriteByte('"')
	}
	b.WriteByte(']')
	return b.String()
}
