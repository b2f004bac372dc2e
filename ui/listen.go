package ui

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// CheckListenAddr returns an error unless addr ("host:port") listens only on
// a loopback address: 127.0.0.0/8, ::1 or localhost. An empty host, 0.0.0.0
// and :: listen on every interface and are rejected. The web UI has no
// sign-in yet, so anyone who reaches it can read every recording. TLS
// (useTLS) does not change that, because it encrypts the connection but
// authenticates no user.
func CheckListenAddr(addr string, useTLS bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid web UI listen address %q: %w; use host:port, e.g. 127.0.0.1:8080", addr, err)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || (n == 0 && port != "0") {
		return fmt.Errorf("invalid web UI listen port %q in %q: use a number from 0 to 65535", port, addr)
	}

	if isLoopbackHost(host) {
		return nil
	}

	reason := "the web UI has no sign-in yet, so anyone who can reach it can read every recording"
	if useTLS {
		reason += " (TLS encrypts the connection but does not check who connects)"
	}
	interfaces := host
	if interfaces == "" {
		interfaces = "every interface"
	}
	return fmt.Errorf("web UI listen address %q (%s) is not loopback: %s; listen on 127.0.0.1 or ::1", addr, interfaces, reason)
}

// isLoopbackHost reports whether host is "localhost" or a loopback IP
// literal. It resolves no names, so a name that points at a loopback
// address through DNS or /etc/hosts is still rejected.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	return ip.Unmap().IsLoopback() && ip.Zone() == ""
}

// isLoopbackHostHeader reports whether a request's Host header names a
// loopback host, with or without a port. Checking it blocks DNS rebinding:
// a web page on another origin whose name is made to resolve to 127.0.0.1
// still sends its own name in Host.
func isLoopbackHostHeader(hostHeader string) bool {
	host := hostHeader
	if h, _, err := net.SplitHostPort(hostHeader); err == nil {
		host = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	return isLoopbackHost(host)
}

// isLoopbackRemote reports whether a request's RemoteAddr ("ip:port") is a
// loopback address.
func isLoopbackRemote(remoteAddr string) bool {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return false
	}
	return ap.Addr().Unmap().IsLoopback()
}

// LoopbackOnly wraps next so that it answers 403 unless the request comes
// from a loopback address and its Host header names a loopback host. The
// Host check stops DNS rebinding: a page on another site cannot make a
// browser on this machine read the response. Other handlers served beside
// the view, such as a JSON API, use it to get the view's own rule.
func LoopbackOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isLoopbackRemote(r.RemoteAddr) || !isLoopbackHostHeader(r.Host) {
			http.Error(w, "forbidden: loopback only", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
