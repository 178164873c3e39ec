package tabular

import (
	"bytes"
	"errors"
	"math"
	"unicode"
	"unicode/utf8"
)

// This file reproduces the csv dialect sniffing of qsv-sniffer 0.10 (the
// crate Oxen calls with its defaults: a 16 KiB sample), because the sniffed
// delimiter decides the schema Oxen stores. Oxen falls back to ',' when the
// sniffer fails, and to '"' when it finds no quote character.

// sniffSampleBytes is qsv-sniffer's default SampleSize::Bytes(1 << 14).
const sniffSampleBytes = 1 << 14

// dialect is what csv parsing needs: the field separator and quote char.
type dialect struct {
	delim byte
	quote byte
}

// sniffCSV returns the dialect Oxen would use for a csv head.
func sniffCSV(head []byte) dialect {
	d, err := sniff(head)
	if err != nil {
		return dialect{delim: ',', quote: '"'}
	}
	return d
}

// sampleLines splits the head like qsv-sniffer's SampleIter: lines that do
// not end in '\n' or '\r' (a cut-off last line) are dropped, '\r' and '\n'
// are trimmed at both ends, and sampling stops once the bytes read (line
// ends included) pass the sample size; the line that passes it is dropped.
func sampleLines(head []byte) [][]byte {
	var lines [][]byte
	n := 0
	for len(head) > 0 {
		i := bytes.IndexByte(head, '\n')
		var line []byte
		if i < 0 {
			line, head = head, nil
		} else {
			line, head = head[:i+1], head[i+1:]
		}
		last := line[len(line)-1]
		if last != '\n' && last != '\r' {
			break
		}
		n += len(line)
		if n > sniffSampleBytes {
			break
		}
		lines = append(lines, bytes.Trim(line, "\r\n"))
	}
	return lines
}

// isRustSpace is Rust regex's Unicode \s (White_Space).
func isRustSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0x85, 0xa0:
		return true
	}
	return r > 0xff && unicode.Is(unicode.White_Space, r)
}

// isQuoteDelim is the class [^\w\n'"`] with Rust's Unicode \w.
func isQuoteDelim(r rune) bool {
	switch r {
	case '\n', '\'', '"', '`', '_':
		return false
	}
	return !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.M, r) ||
		unicode.Is(unicode.Pc, r) || unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Other_Alphabetic, r) ||
		r == 0x200c || r == 0x200d)
}

// quoteMatches finds the matches of qsv-sniffer's regex
// `q\s*?(?P<delim>[^\w\n'"`])\s*q` in s, leftmost-first and without
// overlap as Regex::captures_iter does, and calls fn with each delimiter.
// Matching by hand keeps the regexp package out of the wasm binary.
func quoteMatches(s string, q byte, fn func(delim string)) {
	for i := 0; i < len(s); {
		if s[i] != q {
			i++
			continue
		}
		end, delim := quoteMatchAt(s, i+1, q)
		if end < 0 {
			i++
			continue
		}
		fn(delim)
		i = end
	}
}

// quoteMatchAt tries the rest of the pattern after an opening quote at
// j-1: the lazy \s*? grows one space at a time until the delimiter and the
// greedy \s* before the closing quote succeed.
func quoteMatchAt(s string, j int, q byte) (int, string) {
	for k := j; k < len(s); {
		r, size := utf8.DecodeRuneInString(s[k:])
		if isQuoteDelim(r) {
			m := k + size
			for m < len(s) {
				r2, size2 := utf8.DecodeRuneInString(s[m:])
				if !isRustSpace(r2) {
					break
				}
				m += size2
			}
			if m < len(s) && s[m] == q {
				return m + 1, s[k : k+size]
			}
		}
		if !isRustSpace(r) {
			return -1, ""
		}
		k += size
	}
	return -1, ""
}

var errSniff = errors.New("csv dialect sniffing failed")

func sniff(head []byte) (dialect, error) {
	lines := sampleLines(head)
	// Quote detection: the candidate with the most `q<delim>q` matches wins
	// (strictly more, in the order ' " `), and its most frequent delimiter
	// becomes the delimiter.
	var quote byte // 0: no quote found
	var delim byte
	haveDelim := false
	bestCount := 0
	for _, q := range []byte{'\'', '"', '`'} {
		count := 0
		var order []string
		freq := map[string]int{}
		for _, line := range lines {
			quoteMatches(lossy(line), q, func(d string) {
				count++
				if freq[d] == 0 {
					order = append(order, d)
				}
				freq[d]++
			})
		}
		if count == 0 || count <= bestCount {
			continue
		}
		// qsv-sniffer folds over a HashMap and fails on a multi-byte
		// delimiter; its result is then order-dependent, so treat any
		// multi-byte candidate as a failed sniff.
		best, bestN := "", 0
		for _, d := range order {
			if len(d) != 1 {
				return dialect{}, errSniff
			}
			if freq[d] > bestN {
				best, bestN = d, freq[d]
			}
		}
		bestCount, quote, delim, haveDelim = count, q, best[0], true
	}

	var chains []*chain
	if haveDelim {
		c := &chain{}
		if quote != 0 {
			st := newCoreState(delim, quote)
			for _, line := range lines {
				c.obs = append(c.obs, st.countEnds(line))
			}
		} else {
			for _, line := range lines {
				c.obs = append(c.obs, bytes.Count(line, []byte{delim}))
			}
		}
		chains = []*chain{c}
	} else {
		// One backing array and one allocation for the 128 chains.
		all := make([]chain, 128)
		obs := make([]int, 128*len(lines))
		chains = make([]*chain, 128)
		for i := range chains {
			all[i].obs = obs[i*len(lines) : i*len(lines) : (i+1)*len(lines)]
			chains[i] = &all[i]
		}
		var freqs [128]int
		for _, line := range lines {
			freqs = [128]int{}
			for _, b := range line {
				if b < 128 {
					freqs[b]++
				}
			}
			for i := range chains {
				chains[i].obs = append(chains[i].obs, freqs[i])
			}
		}
	}

	bestDelim, bestFreq, bestState, bestProb := byte(','), 0, stateUnsteady, 0.0
	var bestPath []int
	for i, c := range chains {
		r := c.viterbi()
		if len(r.path) == 0 {
			continue
		}
		fs, fp := r.path[len(r.path)-1], r.finalProb
		if fs < bestState || (fs == bestState && fp > bestProb) {
			bestDelim, bestFreq, bestState, bestPath, bestProb = byte(i), r.maxFreq, fs, r.path, fp
		}
	}
	if bestState == stateUnsteady {
		return dialect{}, errSniff
	}
	flexible := bestState == stateSteadyFlex
	preamble := 0
	if len(bestPath) > 2 {
		for _, s := range bestPath[2:] {
			if s == bestState {
				break
			}
			preamble++
		}
	}
	if preamble > 0 {
		preamble++
	}
	if !haveDelim {
		delim = bestDelim
	}
	if err := checkRecords(head, delim, quote, flexible, preamble, bestFreq+1); err != nil {
		return dialect{}, err
	}
	if quote == 0 {
		quote = '"'
	}
	return dialect{delim: delim, quote: quote}, nil
}

// checkRecords replays qsv-sniffer's infer_types pass, which reads records
// with the csv crate and fails the whole sniff when there is no data record,
// when a strict dialect meets a record of another length, or (a panic in
// Rust) when a flexible dialect meets a record longer than the field count.
func checkRecords(head []byte, delim, quote byte, flexible bool, preamble, fieldCount int) error {
	// snip_preamble skips whole '\n'-terminated lines.
	for i := 0; i < preamble; i++ {
		j := bytes.IndexByte(head, '\n')
		if j < 0 {
			return errSniff
		}
		head = head[j+1:]
	}
	r := &recordReader{buf: head, delim: delim, quote: quote, quoting: quote != 0}
	firstLen, _, ok := r.next()
	if !ok {
		return errSniff
	}
	nRecords, nBytes := 0, 0
	for {
		n, size, ok := r.next()
		if !ok {
			break
		}
		if !flexible && n != firstLen {
			return errSniff
		}
		if nRecords > 0 && n > fieldCount {
			return errSniff
		}
		nRecords++
		nBytes += size
		if nRecords > 1 && nBytes > sniffSampleBytes {
			break
		}
	}
	if nRecords == 0 {
		return errSniff
	}
	return nil
}

// Markov chain states and observations of qsv-sniffer's chain.rs.
const (
	stateSteadyStrict = 0
	stateSteadyFlex   = 1
	stateUnsteady     = 2
	obsMax            = 0
	obsOther          = 1
	obsZero           = 2
)

type chain struct{ obs []int }

type viterbiResult struct {
	maxFreq   int
	path      []int // states, one more than observations (the start)
	finalProb float64
}

// viterbi is chain.rs's Viterbi decoding, kept operation for operation
// (including the transition update after every state and the fused
// multiply-adds) so that probability ties break the same way.
func (c *chain) viterbi() viterbiResult {
	if len(c.obs) == 0 {
		return viterbiResult{}
	}
	maxV := 0
	for _, o := range c.obs {
		maxV = max(maxV, o)
	}
	if maxV == 0 {
		return viterbiResult{maxFreq: 0, path: []int{stateUnsteady}, finalProb: 0}
	}
	trans := [9]float64{1, 0, 0, 0, 1, 0, 0.2, 0.2, 0.6}
	update := func() {
		const delta = 0.01
		trans[6] = math.Max(trans[6]-delta, 0)
		trans[7] = math.Max(trans[7]-delta, 0)
		trans[8] = math.Min(math.FMA(2, delta, trans[8]), 1)
	}
	uni := 1 / (float64(maxV) + 1)
	emit := [9]float64{1, 0, 0, 0.7, 0.3, 0, uni, math.FMA(2, -uni, 1), uni}
	prob := [3]float64{1.0 / 3, 1.0 / 3, 1.0 / 3}
	prevs := make([][3]int8, len(c.obs))
	for t, o := range c.obs {
		ob := obsOther
		if o == maxV {
			ob = obsMax
		} else if o == 0 {
			ob = obsZero
		}
		var next [3]float64
		for s := 0; s < 3; s++ {
			bestPrev, bestP := -1, 0.0
			for p := 0; p < 3; p++ {
				tp := float64(prob[p] * trans[p*3+s])
				if bestPrev < 0 || tp > bestP {
					bestPrev, bestP = p, tp
				}
			}
			next[s] = float64(bestP * emit[s*3+ob])
			prevs[t][s] = int8(bestPrev)
			update()
		}
		prob = next
	}
	final := 0
	for s := 1; s < 3; s++ {
		if prob[s] > prob[final] {
			final = s
		}
	}
	path := make([]int, len(c.obs)+1)
	path[len(c.obs)] = final
	for t := len(c.obs) - 1; t >= 0; t-- {
		path[t] = int(prevs[t][path[t+1]])
	}
	return viterbiResult{maxFreq: maxV, path: path, finalProb: prob[final]}
}

// coreState follows csv_core's reader across sample lines the way
// qsv-sniffer feeds them: each trimmed line is one read_record call on the
// same reader, with no terminator, so a record (and a quoted field) runs on
// into the next line; the count per call is the number of field ends.
// An empty line is csv_core's EOF: it ends the pending record (one end),
// and an EOF between records puts the reader in its final state, after
// which every call counts nothing.
type coreState struct {
	delim, quote byte
	st           int
}

const (
	csStartRecord = iota
	csStartField
	csInField
	csInQuoted
	csQuoteInQuoted
	csEnd
)

func newCoreState(delim, quote byte) *coreState {
	return &coreState{delim: delim, quote: quote}
}

func (s *coreState) countEnds(line []byte) int {
	if s.st == csEnd {
		return 0
	}
	if len(line) == 0 {
		if s.st == csStartRecord {
			s.st = csEnd
			return 0
		}
		s.st = csStartRecord
		return 1
	}
	ends := 0
	for _, b := range line {
		term := b == '\r' || b == '\n'
		switch s.st {
		case csStartRecord:
			if term {
				continue // blank lines between records are skipped
			}
			s.st = csStartField
			fallthrough
		case csStartField:
			switch {
			case b == s.quote:
				s.st = csInQuoted
			case b == s.delim:
				ends++
			case term:
				// The record ends inside the line: read_record returns
				// here and the sniffer ignores the rest of the line.
				s.st = csStartRecord
				return ends + 1
			default:
				s.st = csInField
			}
		case csInField:
			switch {
			case b == s.delim:
				ends++
				s.st = csStartField
			case term:
				s.st = csStartRecord
				return ends + 1
			}
		case csInQuoted:
			if b == s.quote {
				s.st = csQuoteInQuoted
			}
		case csQuoteInQuoted:
			switch {
			case b == s.quote:
				s.st = csInQuoted
			case b == s.delim:
				ends++
				s.st = csStartField
			case term:
				s.st = csStartRecord
				return ends + 1
			default:
				s.st = csInField
			}
		}
	}
	return ends
}
