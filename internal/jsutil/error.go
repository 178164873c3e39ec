package jsutil

// Error is a JavaScript exception or promise rejection as a Go error.
type Error struct {
	// Name is the error's name ("TypeError", "NotFoundError", ...), or ""
	// when the value thrown was not an object with a string name.
	Name string
	// Message is the error's message, or the thrown value's text (String(v))
	// when it has no string message.
	Message string
}

// Error reads like JavaScript's Error.prototype.toString: "Name: message",
// or whichever of the two is set.
func (e *Error) Error() string {
	switch {
	case e.Name == "" && e.Message == "":
		return "unknown JavaScript error"
	case e.Name == "":
		return e.Message
	case e.Message == "":
		return e.Name
	}
	return e.Name + ": " + e.Message
}
