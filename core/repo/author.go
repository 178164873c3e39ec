package repo

import (
	"fmt"
	"unicode/utf8"
)

// MaxAuthorBytes bounds the commit author's name and email. They enter the
// commit, its id and every entry of the response, so an unbounded author
// would multiply whatever a client sends by the number of files.
const MaxAuthorBytes = 255

// ValidateAuthor checks the commit author's name and email: valid UTF-8 of
// at most MaxAuthorBytes bytes each, without control characters (they would
// forge lines in logs and commit views).
func ValidateAuthor(name, email string) error {
	for _, f := range []struct{ what, v string }{{"name", name}, {"email", email}} {
		switch {
		case len(f.v) > MaxAuthorBytes:
			return fmt.Errorf("the author's %s is %d bytes long, over the limit of %d bytes", f.what, len(f.v), MaxAuthorBytes)
		case !utf8.ValidString(f.v):
			return fmt.Errorf("the author's %s is not valid UTF-8", f.what)
		}
		for _, r := range f.v {
			if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
				return fmt.Errorf("the author's %s %q contains the control character %U", f.what, f.v, r)
			}
		}
	}
	return nil
}
