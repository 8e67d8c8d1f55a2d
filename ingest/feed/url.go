package feed

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// trackingParams are query parameters that say how a reader came to a page, not which page it is.
// Parameters starting with utm_ or at_ are tracking too.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gbraid": true, "wbraid": true, "msclkid": true, "yclid": true,
	"mc_cid": true, "mc_eid": true, "_ga": true, "_gl": true, "igshid": true, "xtor": true, "ref_src": true,
	"ncid": true, "cmpid": true, "oly_enc_id": true, "oly_anon_id": true, "vero_id": true, "mkt_tok": true,
}

func isTracking(name string) bool {
	name = strings.ToLower(name)
	return trackingParams[name] || strings.HasPrefix(name, "utm_") || strings.HasPrefix(name, "at_")
}

// ErrHostileURL is wrapped by the errors of URLs Vigie refuses to fetch or publish.
var ErrHostileURL = errors.New("hostile URL")

// CheckURL returns the parsed u when it is an absolute http or https URL with a host and no credentials,
// else an error wrapping ErrHostileURL.
func CheckURL(u string) (*url.URL, error) {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil {
		return nil, fmt.Errorf("%w: %q does not parse: %v", ErrHostileURL, u, err)
	}
	if p.Scheme != "http" && p.Scheme != "https" {
		return nil, fmt.Errorf("%w: %q: scheme %q is not http or https", ErrHostileURL, u, p.Scheme)
	}
	if p.Hostname() == "" {
		return nil, fmt.Errorf("%w: %q has no host", ErrHostileURL, u)
	}
	if p.User != nil {
		return nil, fmt.Errorf("%w: %q carries credentials; Vigie does not send them", ErrHostileURL, p.Redacted())
	}
	return p, nil
}

// Canonical returns the canonical form of link, resolved against base when relative: scheme and host in
// lower case, default port, fragment and tracking parameters (utm_*, fbclid, xtor, …) removed, the other
// parameters kept in their order and spelling. It returns "" for a link that is not http(s) after
// resolution (mailto:, javascript:, a relative link without a base).
func Canonical(link, base string) string {
	link = strings.TrimSpace(link)
	if link == "" {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	if !u.IsAbs() {
		b, err := url.Parse(strings.TrimSpace(base))
		if err != nil || !b.IsAbs() {
			return ""
		}
		u = b.ResolveReference(u)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.User = nil
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	u.Host = host
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path = "/"
	}
	if u.RawQuery != "" {
		var kept []string
		for _, kv := range strings.Split(u.RawQuery, "&") {
			name, _, _ := strings.Cut(kv, "=")
			if n, err := url.QueryUnescape(name); err == nil {
				name = n
			}
			if kv != "" && !isTracking(name) {
				kept = append(kept, kv)
			}
		}
		u.RawQuery = strings.Join(kept, "&")
	}
	u.ForceQuery = false
	return u.String()
}

// Host returns the lower-case host of u without "www.", or "" when u has none.
func Host(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(strings.ToLower(p.Hostname()), "www.")
}
