package main

import (
	"net"
	"strconv"
)

// browseURL is the address to open in a browser for a server listening on
// addr: http://localhost:PORT for 127.0.0.1 and ::1 (the default bind,
// localhost:3000, and what the README says) and for an all-addresses bind;
// the bound address itself otherwise.
func browseURL(addr net.Addr) string {
	a, ok := addr.(*net.TCPAddr)
	if !ok {
		return "http://" + addr.String()
	}
	host := a.IP.String()
	if a.IP.Equal(net.IPv4(127, 0, 0, 1)) || a.IP.Equal(net.IPv6loopback) || a.IP.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(a.Port))
}
