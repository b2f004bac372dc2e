package ui

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// CheckListenAddr returns an error unless addr ("host:port") is one the web
// UI may listen on. With useTLS any address is allowed, because sign-in
// protects the pages and TLS protects the session cookie and the content on
// the network. Without TLS only a loopback address is allowed: 127.0.0.0/8,
// ::1 or localhost. An empty host, 0.0.0.0 and :: listen on every interface.
func CheckListenAddr(addr string, useTLS bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid web UI listen address %q: %w; use host:port, e.g. 127.0.0.1:8080", addr, err)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || (n == 0 && port != "0") {
		return fmt.Errorf("invalid web UI listen port %q in %q: use a number from 0 to 65535", port, addr)
	}

	if useTLS || isLoopbackHost(host) {
		return nil
	}

	interfaces := host
	if interfaces == "" {
		interfaces = "every interface"
	}
	return fmt.Errorf("web UI listen address %q (%s) is not loopback and has no TLS: sessions and client content would cross the network in clear text; give a certificate with --web-tls-cert and --web-tls-key (from `fleet server-cert`), or listen on 127.0.0.1 or ::1", addr, interfaces)
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
