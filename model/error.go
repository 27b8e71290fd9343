// Package model holds Siyu's domain types, its one error type and the
// schema migration. It imports no other Siyu package.
package model

import (
	"errors"
	"fmt"
)

// Error codes shared by every service; handler maps each to one HTTP status.
const (
	ECONFLICT     = "conflict"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	EUNAVAILABLE  = "unavailable"
	EUPSTREAM     = "upstream" // WeChat or WeCom refused a call made for the request
)

// Error is a domain error with a code and a message that is safe to show to
// the caller.
type Error struct {
	Code    string
	Message string
	// Err is the named error this one details, if any (see Detail).
	Err error
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Unwrap returns the named error e details, so errors.Is still matches it.
func (e *Error) Unwrap() error { return e.Err }

// Detail returns named with a more specific message: errors.Is(err, named)
// holds and the caller sees the message.
func Detail(named *Error, format string, args ...any) *Error {
	return &Error{Code: named.Code, Message: fmt.Sprintf(format, args...), Err: named}
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the *Error in err's chain, EINTERNAL for any
// other error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the *Error in err's chain, or a
// generic message for internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// Named errors that callers check with errors.Is.
var (
	ErrInsufficientPoints = &Error{Code: ECONFLICT, Message: "insufficient points"}
	ErrOutOfStock         = &Error{Code: ECONFLICT, Message: "out of stock"}
	ErrMemberNotFound     = &Error{Code: ENOTFOUND, Message: "member not found"}
	// ErrMemberMerged: the member was merged into another one after the
	// caller looked it up; looking it up again finds the survivor.
	ErrMemberMerged  = &Error{Code: ECONFLICT, Message: "member was merged; retry"}
	ErrSceneNotFound = &Error{Code: ENOTFOUND, Message: "scene not found"}
)
