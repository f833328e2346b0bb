package ec2fake

import (
	"net"
	"net/http"
	"time"
)

// Running is a Server listening on a loopback port.
type Running struct {
	URL    string // http://127.0.0.1:PORT, for BaseEndpoint / --endpoint-url
	Server *Server

	srv  *http.Server
	done chan struct{}
}

// Start serves s on 127.0.0.1 on a free port. It never listens on other
// interfaces: the fake has no authentication worth the name.
func Start(s *Server) (*Running, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &Running{
		URL:    "http://" + ln.Addr().String(),
		Server: s,
		srv:    &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second},
		done:   make(chan struct{}),
	}
	go func() {
		defer close(r.done)
		// Serve only returns on Close (ErrServerClosed) or a dead listener;
		// either way there is nobody left to tell.
		_ = r.srv.Serve(ln)
	}()
	return r, nil
}

// Close stops the listener and drops open connections; handlers waiting on
// latency see their context cancelled and return.
func (r *Running) Close() {
	_ = r.srv.Close()
	<-r.done
}
