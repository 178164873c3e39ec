package oxhash

import (
	"encoding/binary"
	"encoding/hex"
	"math/bits"

	"github.com/zeebo/xxh3"
)

// Stream is a streaming XXH3-128 (default secret, seed 0) that hashes long
// inputs straight from the caller's slices. xxh3.Hasher copies every byte
// through a one-block buffer after its first write; where xxh3 has no
// vector code (WebAssembly: the browser hashing every file) that copy made
// streaming 1.8x slower than xxh3.Hash128 over the same bytes
// (BenchmarkStream, GOOS=js). Its results equal xxh3.Hash128 of everything
// written, for every length and split (TestStreamMatches, FuzzStream).
//
// The long-input algorithm is the XXH3 specification's: 64-byte stripes
// accumulated into 8 lanes, 16 stripes a block, the lanes scrambled after
// each block; the last 1 to 1024 bytes, and the last 64 bytes of the input,
// are folded in only by Sum128. Inputs of at most 240 bytes, always still
// buffered, go to xxh3.Hash128.
type Stream struct {
	acc   [8]uint64
	buf   [blockLen]byte // bytes not yet accumulated: 1 to blockLen once anything is written
	n     int            // bytes in buf
	tail  [stripeLen]byte
	total uint64
}

const (
	stripeLen  = 64
	blockLen   = 1024 // 16 stripes: (len(secret) - stripeLen) / 8
	shortLimit = 240  // inputs up to this length are hashed by xxh3.Hash128

	prime32_1 = 0x9E3779B1
	prime32_2 = 0x85EBCA77
	prime32_3 = 0xC2B2AE3D
	prime64_1 = 0x9E3779B185EBCA87
	prime64_2 = 0xC2B2AE3D27D4EB4F
	prime64_3 = 0x165667B19E3779F9
	prime64_4 = 0x85EBCA77C2B2AE63
	prime64_5 = 0x27D4EB2F165667C5
)

// secret is XXH3's default 192-byte secret (kSecret).
const secretHex = "b8fe6c3923a44bbe7c01812cf721ad1cded46de9839097db7240a4a4b7b3671f" +
	"cb79e64eccc0e578825ad07dccff7221b8084674f743248ee03590e6813a264c" +
	"3c2852bb91c300cb88d0658b1b532ea371644897a20df94e3819ef46a9deacd8" +
	"a8fa763fe39c343ff9dcbbc7c70b4f1d8a51e04bcdb45931c89f7ec9d9787364" +
	"eac5ac8334d3ebc3c581a0fffa1363eb170ddd51b7f0da49d316552629d4689e" +
	"2b16be587d47a1fc8ff8b8d17ad031ce45cb3a8f95160428afd7fbcabb4b407e"

// The secret's words where the algorithm reads them: stripe s of a block
// uses words s..s+7 (byte offset 8s), the scramble words 16..23 (offset
// 128), the last stripe offset 121, the two merges offsets 11 and 117.
var (
	secretWords  [24]uint64
	lastWords    [8]uint64
	mergeLoWords [8]uint64
	mergeHiWords [8]uint64
)

func init() {
	secret, err := hex.DecodeString(secretHex)
	if err != nil || len(secret) != 192 {
		panic("oxhash: bad XXH3 secret")
	}
	words := func(dst []uint64, off int) {
		for i := range dst {
			dst[i] = binary.LittleEndian.Uint64(secret[off+8*i:])
		}
	}
	words(secretWords[:], 0)
	words(lastWords[:], len(secret)-stripeLen-7)
	words(mergeLoWords[:], 11)
	words(mergeHiWords[:], len(secret)-stripeLen-11)
}

// NewStream returns an empty Stream.
func NewStream() *Stream {
	s := new(Stream)
	s.Reset()
	return s
}

// Reset empties s.
func (s *Stream) Reset() {
	s.acc = [8]uint64{prime32_3, prime64_1, prime64_2, prime64_3, prime64_4, prime32_2, prime64_5, prime32_1}
	s.n = 0
	s.total = 0
}

// Write adds p; it never fails.
func (s *Stream) Write(p []byte) (int, error) {
	written := len(p)
	s.total += uint64(written)
	// A block is accumulated only once a byte after it is known: the
	// input's last 1 to 1024 bytes are the finisher's.
	if s.n > 0 {
		k := copy(s.buf[s.n:], p)
		s.n += k
		p = p[k:]
		if len(p) == 0 {
			return written, nil
		}
		accumulateBlock(&s.acc, &s.buf)
		copy(s.tail[:], s.buf[blockLen-stripeLen:])
		s.n = 0
	}
	if len(p) > blockLen {
		var block []byte
		for len(p) > blockLen {
			block = p[:blockLen]
			accumulateBlock(&s.acc, (*[blockLen]byte)(block))
			p = p[blockLen:]
		}
		// The stripe just before p, for a final stripe that starts in it.
		copy(s.tail[:], block[blockLen-stripeLen:])
	}
	s.n = copy(s.buf[:], p)
	return written, nil
}

// WriteString adds str; it never fails.
func (s *Stream) WriteString(str string) (int, error) {
	written := len(str)
	for len(str) > 0 {
		// Through a block-sized piece at a time: no copy of a long string.
		var chunk [blockLen]byte
		k := copy(chunk[:], str)
		s.Write(chunk[:k])
		str = str[k:]
	}
	return written, nil
}

// Sum128 returns the hash of everything written; s is unchanged.
func (s *Stream) Sum128() Hash {
	if s.total <= shortLimit {
		return xxh3.Hash128(s.buf[:s.n])
	}
	acc := s.acc
	for i := 0; i+stripeLen < s.n; i += stripeLen {
		accumulateStripe(&acc, (*[stripeLen]byte)(s.buf[i:]), (*[8]uint64)(secretWords[i/stripeLen:]))
	}
	var last [stripeLen]byte
	if s.n >= stripeLen {
		copy(last[:], s.buf[s.n-stripeLen:s.n])
	} else {
		copy(last[:], s.tail[s.n:])
		copy(last[stripeLen-s.n:], s.buf[:s.n])
	}
	accumulateStripe(&acc, &last, &lastWords)
	return Hash{
		Lo: mergeAccs(&acc, &mergeLoWords, s.total*prime64_1),
		Hi: mergeAccs(&acc, &mergeHiWords, ^(s.total * prime64_2)),
	}
}

// accumulateStripe folds one 64-byte stripe into the lanes with the secret
// words key.
func accumulateStripe(acc *[8]uint64, p *[stripeLen]byte, key *[8]uint64) {
	for i := 0; i < 8; i++ {
		v := binary.LittleEndian.Uint64(p[8*i:])
		k := v ^ key[i]
		acc[i^1] += v
		acc[i] += uint64(uint32(k)) * (k >> 32)
	}
}

// accumulateBlock folds 16 stripes and scrambles: the hot loop, with the
// lanes in locals and the lane loop unrolled.
func accumulateBlock(acc *[8]uint64, b *[blockLen]byte) {
	a0, a1, a2, a3, a4, a5, a6, a7 := acc[0], acc[1], acc[2], acc[3], acc[4], acc[5], acc[6], acc[7]
	for s := 0; s < blockLen/stripeLen; s++ {
		p := (*[stripeLen]byte)(b[s*stripeLen:])
		k := (*[8]uint64)(secretWords[s:])
		v0 := binary.LittleEndian.Uint64(p[0:])
		v1 := binary.LittleEndian.Uint64(p[8:])
		v2 := binary.LittleEndian.Uint64(p[16:])
		v3 := binary.LittleEndian.Uint64(p[24:])
		v4 := binary.LittleEndian.Uint64(p[32:])
		v5 := binary.LittleEndian.Uint64(p[40:])
		v6 := binary.LittleEndian.Uint64(p[48:])
		v7 := binary.LittleEndian.Uint64(p[56:])
		k0, k1, k2, k3 := v0^k[0], v1^k[1], v2^k[2], v3^k[3]
		k4, k5, k6, k7 := v4^k[4], v5^k[5], v6^k[6], v7^k[7]
		a0 += v1 + uint64(uint32(k0))*(k0>>32)
		a1 += v0 + uint64(uint32(k1))*(k1>>32)
		a2 += v3 + uint64(uint32(k2))*(k2>>32)
		a3 += v2 + uint64(uint32(k3))*(k3>>32)
		a4 += v5 + uint64(uint32(k4))*(k4>>32)
		a5 += v4 + uint64(uint32(k5))*(k5>>32)
		a6 += v7 + uint64(uint32(k6))*(k6>>32)
		a7 += v6 + uint64(uint32(k7))*(k7>>32)
	}
	k := (*[8]uint64)(secretWords[16:])
	acc[0] = (a0 ^ a0>>47 ^ k[0]) * prime32_1
	acc[1] = (a1 ^ a1>>47 ^ k[1]) * prime32_1
	acc[2] = (a2 ^ a2>>47 ^ k[2]) * prime32_1
	acc[3] = (a3 ^ a3>>47 ^ k[3]) * prime32_1
	acc[4] = (a4 ^ a4>>47 ^ k[4]) * prime32_1
	acc[5] = (a5 ^ a5>>47 ^ k[5]) * prime32_1
	acc[6] = (a6 ^ a6>>47 ^ k[6]) * prime32_1
	acc[7] = (a7 ^ a7>>47 ^ k[7]) * prime32_1
}

func mergeAccs(acc *[8]uint64, key *[8]uint64, start uint64) uint64 {
	h := start
	for i := 0; i < 8; i += 2 {
		hi, lo := bits.Mul64(acc[i]^key[i], acc[i+1]^key[i+1])
		h += hi ^ lo
	}
	h ^= h >> 37
	h *= 0x165667919E3779F9
	return h ^ h>>32
}
