package frontend

// headersError is an error sent with response headers of its own (a 404
// behind a delete marker carries x-amz-delete-marker and
// x-amz-version-id). It unwraps to the error that decides the status and
// body.
type headersError struct {
	err     error
	headers []field
}

func (e *headersError) Error() string { return e.err.Error() }
func (e *headersError) Unwrap() error { return e.err }

// withHeaders returns err sent with the given headers.
func withHeaders(err error, headers ...field) error {
	return &headersError{err: err, headers: headers}
}
