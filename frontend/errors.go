package frontend

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/amphora-s3/amphora/lifecycle"
	"github.com/amphora-s3/amphora/sigv2"
	"github.com/amphora-s3/amphora/sigv4"
	"github.com/amphora-s3/amphora/store"
)

// Error is an S3 error response: the HTTP status, the <Code> and the
// <Message> a client sees, plus any extra elements AWS sends for that code.
// The package-level values below are templates; with and withMessage
// return copies, so a template is never mutated.
type Error struct {
	Code    string
	Status  int
	Message string
	// Extra elements written after <Message>, in order.
	Extra []field
	// contentRange, when set, is sent as the Content-Range header (416).
	contentRange string
}

// field is one extra element of an error body.
type field struct{ Name, Value string }

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// with returns a copy of e with extra elements appended.
func (e *Error) with(extra ...field) *Error {
	c := *e
	c.Extra = append(append([]field(nil), e.Extra...), extra...)
	return &c
}

// withMessage returns a copy of e with another message.
func (e *Error) withMessage(msg string) *Error {
	c := *e
	c.Message = msg
	return &c
}

// S3 errors, by code. Messages are AWS's where AWS has a fixed one.
var (
	errAccessDenied              = &Error{"AccessDenied", http.StatusForbidden, "Access Denied", nil, ""}
	errAuthHeaderMalformed       = &Error{"AuthorizationHeaderMalformed", http.StatusBadRequest, "The authorization header is malformed.", nil, ""}
	errAuthQueryMalformed        = &Error{"AuthorizationQueryParametersError", http.StatusBadRequest, "Error parsing the query-string authentication parameters.", nil, ""}
	errBadDigest                 = &Error{"BadDigest", http.StatusBadRequest, "The Content-MD5 you specified did not match what we received.", nil, ""}
	errBucketAlreadyExists       = &Error{"BucketAlreadyExists", http.StatusConflict, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.", nil, ""}
	errBucketAlreadyOwnedByYou   = &Error{"BucketAlreadyOwnedByYou", http.StatusConflict, "Your previous request to create the named bucket succeeded and you already own it.", nil, ""}
	errBucketNotEmpty            = &Error{"BucketNotEmpty", http.StatusConflict, "The bucket you tried to delete is not empty", nil, ""}
	errConditionalConflict       = &Error{"ConditionalRequestConflict", http.StatusConflict, "A conflicting conditional operation is currently in progress against this resource. Try again.", nil, ""}
	errEntityTooLarge            = &Error{"EntityTooLarge", http.StatusBadRequest, "Your proposed upload exceeds the maximum allowed size", nil, ""}
	errEntityTooSmall            = &Error{"EntityTooSmall", http.StatusBadRequest, "Your proposed upload is smaller than the minimum allowed object size.", nil, ""}
	errIllegalLocation           = &Error{"IllegalLocationConstraintException", http.StatusBadRequest, "The specified location constraint is incompatible for the region specific endpoint this request was sent to.", nil, ""}
	errIncompleteBody            = &Error{"IncompleteBody", http.StatusBadRequest, "You did not provide the number of bytes specified by the Content-Length HTTP header", nil, ""}
	errInternal                  = &Error{"InternalError", http.StatusInternalServerError, "We encountered an internal error. Please try again.", nil, ""}
	errInvalidAccessKeyID        = &Error{"InvalidAccessKeyId", http.StatusForbidden, "The AWS Access Key Id you provided does not exist in our records.", nil, ""}
	errInvalidArgument           = &Error{"InvalidArgument", http.StatusBadRequest, "Invalid Argument", nil, ""}
	errInvalidBucketName         = &Error{"InvalidBucketName", http.StatusBadRequest, "The specified bucket is not valid.", nil, ""}
	errInvalidDigest             = &Error{"InvalidDigest", http.StatusBadRequest, "The Content-MD5 you specified is not valid.", nil, ""}
	errInvalidLocation           = &Error{"InvalidLocationConstraint", http.StatusBadRequest, "The specified location-constraint is not valid", nil, ""}
	errInvalidPart               = &Error{"InvalidPart", http.StatusBadRequest, "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.", nil, ""}
	errInvalidPartNumber         = &Error{"InvalidPartNumber", http.StatusRequestedRangeNotSatisfiable, "The requested partnumber is not satisfiable", nil, ""}
	errInvalidPartOrder          = &Error{"InvalidPartOrder", http.StatusBadRequest, "The list of parts was not in ascending order. Parts must be ordered by part number.", nil, ""}
	errInvalidRange              = &Error{"InvalidRange", http.StatusRequestedRangeNotSatisfiable, "The requested range is not satisfiable", nil, ""}
	errInvalidRequest            = &Error{"InvalidRequest", http.StatusBadRequest, "Invalid Request", nil, ""}
	errInvalidURI                = &Error{"InvalidURI", http.StatusBadRequest, "Couldn't parse the specified URI.", nil, ""}
	errKeyTooLong                = &Error{"KeyTooLongError", http.StatusBadRequest, "Your key is too long", nil, ""}
	errMalformedXML              = &Error{"MalformedXML", http.StatusBadRequest, "The XML you provided was not well-formed or did not validate against our published schema", nil, ""}
	errMalformedTrailer          = &Error{"MalformedTrailerError", http.StatusBadRequest, "The request contained trailing data that was not well-formed or did not conform to our published schema.", nil, ""}
	errMaxMessageLength          = &Error{"MaxMessageLengthExceeded", http.StatusBadRequest, "Your request was too big.", nil, ""}
	errMetadataTooLarge          = &Error{"MetadataTooLarge", http.StatusBadRequest, "Your metadata headers exceed the maximum allowed metadata size", nil, ""}
	errMethodNotAllowed          = &Error{"MethodNotAllowed", http.StatusMethodNotAllowed, "The specified method is not allowed against this resource.", nil, ""}
	errMissingContentLength      = &Error{"MissingContentLength", http.StatusLengthRequired, "You must provide the Content-Length HTTP header.", nil, ""}
	errNoSuchBucket              = &Error{"NoSuchBucket", http.StatusNotFound, "The specified bucket does not exist", nil, ""}
	errNoSuchKey                 = &Error{"NoSuchKey", http.StatusNotFound, "The specified key does not exist.", nil, ""}
	errNoSuchUpload              = &Error{"NoSuchUpload", http.StatusNotFound, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", nil, ""}
	errNoSuchVersion             = &Error{"NoSuchVersion", http.StatusNotFound, "The specified version does not exist.", nil, ""}
	errNotImplemented            = &Error{"NotImplemented", http.StatusNotImplemented, "A header you provided implies functionality that is not implemented", nil, ""}
	errPreconditionFailed        = &Error{"PreconditionFailed", http.StatusPreconditionFailed, "At least one of the pre-conditions you specified did not hold", nil, ""}
	errRequestTimeTooSkewed      = &Error{"RequestTimeTooSkewed", http.StatusForbidden, "The difference between the request time and the current time is too large.", nil, ""}
	errRequestTimeout            = &Error{"RequestTimeout", http.StatusBadRequest, "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.", nil, ""}
	errSignatureDoesNotMatch     = &Error{"SignatureDoesNotMatch", http.StatusForbidden, "The request signature we calculated does not match the signature you provided. Check your key and signing method.", nil, ""}
	errXAmzContentSHA256Mismatch = &Error{"XAmzContentSHA256Mismatch", http.StatusBadRequest, "The provided 'x-amz-content-sha256' header does not match what was computed.", nil, ""}
	// errSlowDown sheds load: the store found no buffer or slot in time,
	// or its backend timed out or is out of reach (toS3Error).
	errSlowDown = &Error{"SlowDown", http.StatusServiceUnavailable, "Please reduce your request rate.", nil, ""}
)

// fromCause is the one table from errors raised below the HTTP layer
// (store sentinels, signature sentinels, body I/O) to S3 errors. The first
// match wins; anything not listed is an InternalError, unless the store
// reports it as overload (toS3Error, below). The two sigv2
// sentinels whose S3 answer depends on the request (malformed credentials
// and signature mismatch) get their details added in auth.go.
var fromCause = []struct {
	cause error
	s3    *Error
}{
	{store.ErrNoSuchBucket, errNoSuchBucket},
	{store.ErrNoSuchKey, errNoSuchKey},
	{store.ErrNoSuchVersion, errNoSuchVersion},
	{store.ErrBucketAlreadyExists, errBucketAlreadyExists},
	{store.ErrBucketAlreadyOwnedByYou, errBucketAlreadyOwnedByYou},
	{store.ErrBucketNotEmpty, errBucketNotEmpty},
	{store.ErrBadDigest, errBadDigest},
	{store.ErrSSEKeyRequired, errInvalidRequest.withMessage("The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.")},
	{store.ErrSSEKeyMismatch, errAccessDenied},
	{store.ErrSSENotEncrypted, errInvalidRequest.withMessage("The encryption parameters are not applicable to this object.")},
	{store.ErrIncompleteBody, errIncompleteBody},
	{store.ErrCorrupt, errInternal},
	{store.ErrSlowDown, errSlowDown},
	{store.ErrPreconditionFailed, errPreconditionFailed},
	{store.ErrConditionalConflict, errConditionalConflict},
	{store.ErrNoSuchUpload, errNoSuchUpload},
	{store.ErrInvalidPart, errInvalidPart},
	{store.ErrInvalidPartOrder, errInvalidPartOrder},
	{store.ErrEntityTooSmall, errEntityTooSmall},
	{store.ErrEntityTooLarge, errEntityTooLarge},
	{store.ErrObjectLocked, errObjectLocked},

	{sigv2.ErrNoAuth, errAccessDenied},
	{sigv2.ErrMalformed, errInvalidArgument.withMessage("AWS authorization header is invalid.  Expected AwsAccessKeyId:signature")},
	{sigv2.ErrInvalidAccessKeyID, errInvalidAccessKeyID},
	{sigv2.ErrSignatureDoesNotMatch, errSignatureDoesNotMatch},
	{sigv2.ErrRequestTimeTooSkewed, errRequestTimeTooSkewed},
	{sigv2.ErrMissingDate, errAccessDenied.withMessage("AWS authentication requires a valid Date or x-amz-date header")},
	{sigv2.ErrExpired, errAccessDenied.withMessage("Request has expired")},

	{sigv4.ErrNoAuth, errAccessDenied},
	{sigv4.ErrMultipleAuth, errInvalidArgument.withMessage("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified")},
	{sigv4.ErrMalformedHeader, errAuthHeaderMalformed},
	{sigv4.ErrMalformedQuery, errAuthQueryMalformed},
	{sigv4.ErrUnsupportedAlgorithm, errInvalidArgument.withMessage("Unsupported Authorization Type")},
	{sigv4.ErrMissingDate, errAccessDenied.withMessage("AWS authentication requires a valid Date or x-amz-date header")},
	{sigv4.ErrMissingContentSHA256, errInvalidRequest.withMessage("Missing required header for this request: x-amz-content-sha256")},
	{sigv4.ErrInvalidPayloadHash, errInvalidArgument.withMessage("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")},
	{sigv4.ErrInvalidAccessKeyID, errInvalidAccessKeyID},
	{sigv4.ErrSignatureDoesNotMatch, errSignatureDoesNotMatch},
	{sigv4.ErrHeadersNotSigned, errAccessDenied.withMessage("There were headers present in the request which were not signed")},
	{sigv4.ErrRequestTimeTooSkewed, errRequestTimeTooSkewed},
	{sigv4.ErrNotYetValid, errAccessDenied.withMessage("Request is not valid yet")},
	{sigv4.ErrExpired, errAccessDenied.withMessage("Request has expired")},
	{sigv4.ErrContentSHA256Mismatch, errXAmzContentSHA256Mismatch},
	{sigv4.ErrChunkSignatureMismatch, errSignatureDoesNotMatch},
	{sigv4.ErrTrailer, errMalformedTrailer},
	{sigv4.ErrMalformedChunk, errIncompleteBody},
	{sigv4.ErrDecodedLengthMismatch, errIncompleteBody},

	// The client went away or stopped sending mid-body.
	{io.ErrUnexpectedEOF, errIncompleteBody},
	{context.Canceled, errRequestTimeout},
}

// s3Error maps any error to the S3 error a client sees; unknown errors
// become InternalError. Responses go through toS3Error, which also knows
// the store's overload errors.
func s3Error(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	// A lifecycle configuration S3 refuses carries its code and message.
	var le *lifecycle.Error
	if errors.As(err, &le) {
		return &Error{le.Code, http.StatusBadRequest, le.Message, nil, ""}
	}
	for _, m := range fromCause {
		if errors.Is(err, m.cause) {
			return m.s3
		}
	}
	return errInternal
}

// overloadReporter is implemented by a store that can tell which of its
// errors mean that its backend is overloaded or out of reach for now
// (cassandra.Store: driver timeouts, too few replicas, no host), so that
// the frontend answers them with SlowDown without knowing the driver. A
// store without it (memstore) never fails that way.
type overloadReporter interface {
	Overloaded(err error) bool
}

// toS3Error is s3Error for this server's responses and per-key results:
// an error the table leaves as InternalError but the store (or the
// account store) reports as overload is 503 SlowDown, which writeError
// sends with Retry-After.
func (s *server) toS3Error(err error) *Error {
	e := s3Error(err)
	if e == errInternal && (overloaded(s.store, err) || overloaded(s.accounts, err)) {
		return errSlowDown
	}
	return e
}

// overloaded asks a store that implements overloadReporter.
func overloaded(st any, err error) bool {
	o, ok := st.(overloadReporter)
	return ok && o.Overloaded(err)
}
