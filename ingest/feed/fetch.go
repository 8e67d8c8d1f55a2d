package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-oss/vigie/config"
)

// Reasons a fetch fails, as metric labels (Error.Reason).
const (
	ReasonTimeout    = "timeout"     // no complete answer within config.Ingest.Timeout
	ReasonHTTPStatus = "http_status" // a status other than 2xx or 304
	ReasonTooLarge   = "too_large"   // body larger than config.Ingest.MaxBodyBytes
	ReasonParse      = "parse"       // not a usable feed, even after repairs
	ReasonHostileURL = "hostile_url" // a scheme other than http(s), credentials, a non-public address, a redirect loop or too many redirects
	ReasonNetwork    = "network"     // DNS, connection refused or reset, TLS
	ReasonCanceled   = "canceled"    // the caller's context ended
)

// MaxRedirects is the most redirects one fetch follows.
const MaxRedirects = 5

// Error is a failed fetch: what failed, why, and when the server asked to be retried.
type Error struct {
	URL        string
	Reason     string        // one of the Reason* constants
	Status     int           // HTTP status when Reason is ReasonHTTPStatus
	RetryAfter time.Duration // from the Retry-After header of a 429 or 503, 0 when absent
	Err        error
}

func (e *Error) Error() string { return fmt.Sprintf("fetch %s: %v", e.URL, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// Reason returns the Reason* label of err: its own for an *Error, ReasonCanceled for a context error,
// "other" otherwise.
func Reason(err error) string {
	if e := (*Error)(nil); errors.As(err, &e) {
		return e.Reason
	}
	if errors.Is(err, context.Canceled) {
		return ReasonCanceled
	}
	return "other"
}

// Validators are the conditional-GET values of a previous response.
type Validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// Response is a successful fetch.
type Response struct {
	URL         string // after redirects
	NotModified bool   // 304: the feed did not change since the Validators sent; Body is empty
	Body        []byte
	Validators  Validators // to send next time
}

// Fetcher gets feeds over HTTP. It is safe for concurrent use.
type Fetcher struct {
	client    *http.Client
	userAgent string
	maxBody   int64
	timeout   time.Duration
}

// NewFetcher returns a fetcher with cfg's User-Agent, timeout and body size cap. Unless
// cfg.AllowPrivateAddresses, it connects only to public addresses (see refusePrivate).
func NewFetcher(cfg config.Ingest) *Fetcher {
	return &Fetcher{
		client:    &http.Client{Transport: newTransport(cfg.AllowPrivateAddresses, cfg.Timeout), CheckRedirect: checkRedirect},
		userAgent: cfg.UserAgent,
		maxBody:   cfg.MaxBodyBytes,
		timeout:   cfg.Timeout,
	}
}

// CloseIdleConnections releases the connections kept for the next fetches.
func (f *Fetcher) CloseIdleConnections() { f.client.CloseIdleConnections() }

func checkRedirect(req *http.Request, via []*http.Request) error {
	if _, err := CheckURL(req.URL.String()); err != nil {
		return fmt.Errorf("redirect: %w", err)
	}
	for _, v := range via {
		if v.URL.String() == req.URL.String() {
			return fmt.Errorf("%w: redirect loop back to %s", ErrHostileURL, req.URL.Redacted())
		}
	}
	if len(via) >= MaxRedirects {
		return fmt.Errorf("%w: more than %d redirects", ErrHostileURL, MaxRedirects)
	}
	return nil
}

const accept = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"

// Fetch gets the feed at rawURL, conditionally when v is not empty. The whole exchange, body included, is
// bounded by the configured timeout. Failures are *Error.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string, v Validators) (*Response, error) {
	fail := func(reason string, err error) (*Response, error) {
		return nil, &Error{URL: rawURL, Reason: reason, Err: err}
	}
	if _, err := CheckURL(rawURL); err != nil {
		return fail(ReasonHostileURL, err)
	}
	reqCtx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, rawURL, nil)
	if err != nil {
		return fail(ReasonHostileURL, err)
	}
	req.Header.Set("User-Agent", f.userAgent)
	req.Header.Set("Accept", accept)
	if v.ETag != "" {
		req.Header.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		req.Header.Set("If-Modified-Since", v.LastModified)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return fail(f.classify(ctx, err), err)
	}
	defer resp.Body.Close()
	out := &Response{
		URL:        resp.Request.URL.String(),
		Validators: Validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")},
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		out.NotModified = true
		if out.Validators == (Validators{}) {
			out.Validators = v
		}
		return out, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		e := &Error{URL: rawURL, Reason: ReasonHTTPStatus, Status: resp.StatusCode, Err: fmt.Errorf("server answered %s", resp.Status)}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
		return nil, e
	}
	tooLarge := fmt.Errorf("body is larger than ingest.max_body_bytes (%d bytes); raise it if this feed is legitimate", f.maxBody)
	if resp.ContentLength > f.maxBody {
		return fail(ReasonTooLarge, tooLarge)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.maxBody+1))
	if err != nil {
		return fail(f.classify(ctx, err), fmt.Errorf("read body: %w", err))
	}
	if int64(len(body)) > f.maxBody {
		return fail(ReasonTooLarge, tooLarge)
	}
	out.Body = body
	return out, nil
}

func (f *Fetcher) classify(ctx context.Context, err error) string {
	var ne net.Error
	switch {
	case ctx.Err() != nil:
		return ReasonCanceled
	case errors.Is(err, ErrHostileURL):
		return ReasonHostileURL
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return ReasonTimeout
	}
	return ReasonNetwork
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date. It returns 0 when absent or unreadable.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil {
		return max(0, time.Duration(s)*time.Second)
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(0, t.Sub(now))
	}
	return 0
}
