package feed

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// sharedAddressSpace is RFC 6598's carrier-grade NAT range, private in practice though netip calls it global.
var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// publicAddr reports whether ip is a public unicast address: not loopback, private (RFC 1918, fc00::/7),
// link-local (where cloud metadata services answer), multicast, unspecified or shared.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && !sharedAddressSpace.Contains(ip)
}

// refusePrivate is a net.Dialer Control: it runs once DNS has answered, on the address about to be
// connected, so neither a redirect nor a DNS name that resolves inward (rebinding) reaches the inside.
func refusePrivate(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrHostileURL, address, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrHostileURL, address, err)
	}
	if !publicAddr(ip) {
		return fmt.Errorf("%w: %s is not a public address (set ingest.allow_private_addresses to fetch from it)", ErrHostileURL, ip)
	}
	return nil
}

// dialer returns the transport's DialContext: with allowPrivate false, connections to non-public addresses
// are refused, except to the HTTP proxies of the environment (often on the private network), which then
// do the fetching.
func dialer(allowPrivate bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	open := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	if allowPrivate {
		return open.DialContext
	}
	guarded := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: refusePrivate}
	proxies := proxyHosts()
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if proxies[addr] {
			return open.DialContext(ctx, network, addr)
		}
		return guarded.DialContext(ctx, network, addr)
	}
}

// proxyHosts returns the host:port of the proxies in HTTP_PROXY and HTTPS_PROXY (either case), as the
// transport dials them.
func proxyHosts() map[string]bool {
	hosts := map[string]bool{}
	for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY"} {
		for _, v := range []string{os.Getenv(k), os.Getenv(strings.ToLower(k))} {
			if v == "" {
				continue
			}
			if !strings.Contains(v, "://") {
				v = "http://" + v
			}
			u, err := url.Parse(v)
			if err != nil || u.Hostname() == "" {
				continue
			}
			port := u.Port()
			if port == "" {
				port = map[string]string{"https": "443", "socks5": "1080"}[u.Scheme]
				if port == "" {
					port = "80"
				}
			}
			hosts[net.JoinHostPort(u.Hostname(), port)] = true
		}
	}
	return hosts
}

// newTransport is http.DefaultTransport's configuration with Vigie's dialer and timeouts.
func newTransport(allowPrivate bool, headerTimeout time.Duration) *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 4
	tr.ResponseHeaderTimeout = headerTimeout
	tr.DialContext = dialer(allowPrivate)
	return tr
}
