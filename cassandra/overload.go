package cassandra

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// Overloaded reports whether err, as a Store method returns it, means
// that Cassandra could not answer in time or at all, for now:
//
//   - a coordinator's read or write timeout, or a lightweight transaction
//     whose outcome its timeout left unknown (RequestErrReadTimeout,
//     RequestErrWriteTimeout, RequestErrCASWriteUnknown);
//   - too few live replicas for the consistency level, an overloaded
//     node, a node still bootstrapping (RequestErrUnavailable,
//     RequestErrOverloaded, RequestErrBootstrapping);
//   - no answer within cassandra.timeout, the connection lost with the
//     query on it, no stream free on it, no host to send to, the session
//     closing (ErrTimeoutNoResponse, ErrConnectionClosed, ErrNoStreams,
//     ErrNoConnections, ErrUnavailable, ErrSessionClosed);
//   - a query's context deadline passing (the store's detached cleanups
//     run under one);
//   - a connection to Cassandra failing under the query: a network
//     timeout, the connection reset, refused or closed (the driver hands
//     the queries waiting on a connection the error that ended it, io.EOF
//     when it was closing, and a frame cut short by a timeout as plain
//     text: dialer.go).
//
// The connection errors are matched by kind, not by origin, so an error
// of the same kind from elsewhere (a client that reset its connection
// mid-upload) is matched too: the request failed either way, and the
// failure is logged with its cause.
// The frontend answers these with 503 SlowDown and Retry-After, so that
// clients back off and retry, instead of 500 InternalError. Anything else
// (a replica failing a read or a write, an invalid query, a protocol
// error) is a fault and is not matched. Overloaded looks through
// wrapping (errors.Is and errors.As), so the Store's call sites keep
// returning driver errors wrapped with their context, unchanged.
func Overloaded(err error) bool {
	if err == nil {
		return false
	}
	for _, sentinel := range transient {
		if errors.Is(err, sentinel) {
			return true
		}
	}
	var (
		unavailable   *gocql.RequestErrUnavailable
		overloaded    *gocql.RequestErrOverloaded
		bootstrapping *gocql.RequestErrBootstrapping
		writeTimeout  *gocql.RequestErrWriteTimeout
		readTimeout   *gocql.RequestErrReadTimeout
		casUnknown    *gocql.RequestErrCASWriteUnknown
	)
	if errors.As(err, &unavailable) || errors.As(err, &overloaded) || errors.As(err, &bootstrapping) ||
		errors.As(err, &writeTimeout) || errors.As(err, &readTimeout) || errors.As(err, &casUnknown) {
		return true
	}
	// An error frame of one of those codes in another type.
	var re gocql.RequestError
	if errors.As(err, &re) {
		switch re.Code() {
		case gocql.ErrCodeUnavailable, gocql.ErrCodeOverloaded, gocql.ErrCodeBootstrapping,
			gocql.ErrCodeWriteTimeout, gocql.ErrCodeReadTimeout, gocql.ErrCodeCASWriteUnknown:
			return true
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	// gocql formats the error of a frame body read with %v.
	return strings.Contains(err.Error(), "unable to read frame body")
}

// transient are the driver's, the context's and the network's sentinels
// that Overloaded matches.
var transient = []error{
	gocql.ErrTimeoutNoResponse,
	gocql.ErrConnectionClosed,
	gocql.ErrNoStreams,
	gocql.ErrNoConnections,
	gocql.ErrUnavailable,
	gocql.ErrSessionClosed,
	context.DeadlineExceeded,
	io.EOF,
	net.ErrClosed,
	syscall.ECONNRESET,
	syscall.ECONNREFUSED,
	syscall.EPIPE,
}

// Overloaded is the package's Overloaded, as a method so that the
// frontend, which never imports the driver, finds it on its store by a
// type assertion (frontend/errors.go).
func (s *Store) Overloaded(err error) bool { return Overloaded(err) }
