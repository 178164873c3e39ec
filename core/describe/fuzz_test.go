package describe

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/oxdrop/oxdrop/core/model"
	"github.com/oxdrop/oxdrop/core/oxhash"
)

// finishWithin fails the input when Finish takes longer than a few
// seconds (a hang in an extractor would otherwise stall the fuzzer silently).
func finishWithin(t *testing.T, a *Analyzer, name string, b []byte) (model.FileInfo, error) {
	type result struct {
		info model.FileInfo
		err  error
	}
	done := make(chan result, 1)
	go func() {
		info, err := a.Finish(name, bytes.NewReader(b), int64(len(b)))
		done <- result{info, err}
	}()
	select {
	case r := <-done:
		return r.info, r.err
	case <-time.After(5 * time.Second):
		t.Fatalf("Finish(%q, %d bytes) still running after 5s", name, len(b))
		return model.FileInfo{}, nil
	}
}

// FuzzDescribe runs the whole pipeline on arbitrary bytes and names: it
// must never panic or fail (the reader never fails here), the hash and size
// must be the content's, and the metadata must match the data type.
func FuzzDescribe(f *testing.F) {
	f.Add([]byte("a,b\n1,2\n"), "x.csv", uint8(3))
	f.Add([]byte("[{\"a\":1}]"), "x.json", uint8(1))
	f.Add([]byte("{\"a\":1}\n{\"a\":2}\n"), "x.jsonl", uint8(0))
	f.Add([]byte("PAR1\x00\x00PAR1"), "x.parquet", uint8(2))
	f.Add([]byte("\x00\x00\x00\x18ftypisom\x00\x00\x00\x00isom"), "x.mp4", uint8(7))
	f.Add([]byte("RIFF\x24\x00\x00\x00WAVEfmt "), "x.wav", uint8(5))
	f.Add([]byte("fLaC\x00\x00\x00\x22"), "x.flac", uint8(9))
	f.Add([]byte("\x1a\x45\xdf\xa3\x9f\x42\x86\x81"), "x.webm", uint8(2))
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), "x.png", uint8(4))
	f.Add([]byte("# hi\n"), "README.md", uint8(0))
	f.Fuzz(func(t *testing.T, b []byte, name string, chunk uint8) {
		a := NewAnalyzer()
		step := int(chunk) + 1
		for rest := b; len(rest) > 0; {
			n := min(step, len(rest))
			a.Write(rest[:n])
			rest = rest[n:]
		}
		info, err := finishWithin(t, a, name, b)
		var limit *LimitError
		if errors.As(err, &limit) {
			return // a table over a cap on its schema: refused, as documented
		}
		if err != nil {
			t.Fatalf("Finish: %v", err)
		}
		// The same bytes with the name given first (counting may stop
		// after the head) must give byte-identical JSON.
		begun := NewAnalyzer()
		begun.Begin(name)
		for rest := b; len(rest) > 0; {
			n := min(step, len(rest))
			begun.Write(rest[:n])
			rest = rest[n:]
		}
		infoBegun, err := finishWithin(t, begun, name, b)
		if err != nil {
			t.Fatalf("Finish after Begin: %v", err)
		}
		if got, want := mustJSON(t, infoBegun), mustJSON(t, info); got != want {
			t.Fatalf("with Begin:\n%s\nwithout:\n%s", got, want)
		}
		if info.Hash != oxhash.SumHex(b) || info.Size != uint64(len(b)) {
			t.Fatalf("hash %s size %d", info.Hash, info.Size)
		}
		m := info.Metadata
		switch info.DataType {
		case model.Text:
			if m == nil || m.Text == nil || m.Text.NumLines != 1+uint64(bytes.Count(b, []byte{'\n'})) {
				t.Fatalf("text metadata %+v", m)
			}
		case model.Tabular:
			if m == nil || m.Tabular == nil {
				t.Fatal("tabular without tabular metadata (must be downgraded to binary)")
			}
		case model.Binary:
			if m != nil {
				t.Fatalf("binary with metadata %+v", m)
			}
		case model.Image:
			if m != nil && m.Image == nil {
				t.Fatalf("image with metadata %+v", m)
			}
		case model.Video:
			if m != nil && m.Video == nil {
				t.Fatalf("video with metadata %+v", m)
			}
		case model.Audio:
			if m != nil && m.Audio == nil {
				t.Fatalf("audio with metadata %+v", m)
			}
		default:
			t.Fatalf("data type %q", info.DataType)
		}
		if m != nil {
			if _, err := json.Marshal(m); err != nil {
				t.Fatalf("metadata does not serialize: %v", err)
			}
		}
	})
}

func mustJSON(t *testing.T, info model.FileInfo) string {
	b, err := json.Marshal(info)
	if err != nil {
		t.Fatalf("FileInfo does not serialize: %v", err)
	}
	return string(b)
}
