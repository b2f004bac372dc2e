package ui

import (
	"strings"
	"testing"
)

func TestCheckListenAddr(t *testing.T) {
	tests := []struct {
		name    string
		addr    string
		tls     bool
		wantErr string // substring; empty means no error
	}{
		{"ipv4_loopback", "127.0.0.1:8080", false, ""},
		{"ipv4_loopback_other", "127.0.0.2:8080", false, ""},
		{"ipv6_loopback", "[::1]:8080", false, ""},
		{"localhost", "localhost:8080", false, ""},
		{"localhost_upper", "LOCALHOST:8080", false, ""},
		{"port_zero", "127.0.0.1:0", false, ""},
		{"all_interfaces_empty_host", ":8080", false, "listen on 127.0.0.1 or ::1"},
		{"all_interfaces_ipv4", "0.0.0.0:8080", false, "has no TLS"},
		{"all_interfaces_tls", "0.0.0.0:8443", true, ""},
		{"all_interfaces_ipv6", "[::]:8080", false, "is not loopback"},
		{"lan_address", "192.168.1.10:8080", false, "is not loopback"},
		{"lan_address_tls", "192.168.1.10:8443", true, ""},
		{"hostname", "central.example:8080", false, "is not loopback"},
		{"ipv4_mapped_loopback", "[::ffff:127.0.0.1]:8080", false, ""},
		{"zoned_loopback", "[::1%lo]:8080", false, "is not loopback"},
		{"missing_port", "127.0.0.1", false, "invalid web UI listen address"},
		{"bad_port", "127.0.0.1:http", false, "invalid web UI listen port"},
		{"port_out_of_range", "127.0.0.1:70000", false, "invalid web UI listen port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckListenAddr(tt.addr, tt.tls)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("CheckListenAddr(%q, %v) = %v, want nil", tt.addr, tt.tls, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("CheckListenAddr(%q, %v) = %v, want error containing %q", tt.addr, tt.tls, err, tt.wantErr)
			}
		})
	}
}

func TestIsLoopbackHostHeader(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"127.0.0.1:8080", true},
		{"127.0.0.1", true},
		{"localhost:8080", true},
		{"[::1]:8080", true},
		{"[::1]", true},
		{"", false},
		{"evil.example:8080", false},
		{"127.0.0.1.evil.example", false},
		{"192.168.1.10:8080", false},
	}
	for _, tt := range tests {
		if got := isLoopbackHostHeader(tt.host); got != tt.want {
			t.Errorf("isLoopbackHostHeader(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}

func TestIsLoopbackRemote(t *testing.T) {
	tests := []struct {
		remote string
		want   bool
	}{
		{"127.0.0.1:53000", true},
		{"[::1]:53000", true},
		{"[::ffff:127.0.0.1]:53000", true},
		{"192.0.2.1:1234", false},
		{"garbage", false},
	}
	for _, tt := range tests {
		if got := isLoopbackRemote(tt.remote); got != tt.want {
			t.Errorf("isLoopbackRemote(%q) = %v, want %v", tt.remote, got, tt.want)
		}
	}
}
