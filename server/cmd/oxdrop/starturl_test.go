package main

import (
	"net"
	"testing"
)

func TestBrowseURL(t *testing.T) {
	for _, c := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 3000}, "http://localhost:3000"},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 3000}, "http://localhost:3000"},
		{&net.TCPAddr{IP: net.IPv4zero, Port: 8080}, "http://localhost:8080"},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 8080}, "http://localhost:8080"},
		// Another loopback address is not what localhost resolves to.
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 3000}, "http://127.0.0.2:3000"},
		{&net.TCPAddr{IP: net.IPv4(192, 168, 1, 5), Port: 80}, "http://192.168.1.5:80"},
		{&net.TCPAddr{IP: net.ParseIP("fd00::1"), Port: 3000}, "http://[fd00::1]:3000"},
	} {
		if got := browseURL(c.addr); got != c.want {
			t.Errorf("browseURL(%v) = %q, want %q", c.addr, got, c.want)
		}
	}
}
