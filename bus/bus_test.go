package bus

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestRetry(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	calls := 0
	err := Retry(context.Background(), logger, "do the thing", func() error {
		if calls++; calls < 2 {
			return errors.New("server away")
		}
		return nil
	})
	if err != nil || calls != 2 {
		t.Fatalf("err=%v after %d calls", err, calls)
	}
	for _, want := range []string{"do the thing: failed, will retry", "server away", "retry_in=1s", "do the thing: succeeded"} {
		if !strings.Contains(logs.String(), want) {
			t.Fatalf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

func TestRetryStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := Retry(ctx, slog.New(slog.DiscardHandler), "reach Kafka", func() error { return errors.New("connection refused") })
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v; want the deadline and the last error", err)
	}
}
