package jsutil

import "testing"

func TestErrorText(t *testing.T) {
	for _, tt := range []struct {
		err  Error
		want string
	}{
		{Error{Name: "TypeError", Message: "x is not a function"}, "TypeError: x is not a function"},
		{Error{Name: "AbortError"}, "AbortError"},
		{Error{Message: "the reader worker failed"}, "the reader worker failed"},
		{Error{}, "unknown JavaScript error"},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.err, got, tt.want)
		}
	}
}
