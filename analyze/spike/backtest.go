package spike

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// BacktestLayout is the timestamp format of backtest CSV files.
const BacktestLayout = "2006-01-02 15:04:05"

// maxBacktestGap bounds the missing steps a backtest fills with zeros, so that a typo in a year does
// not make it loop over a century of empty steps.
const maxBacktestGap = 100000

// Backtest reads a CSV series with header "timestamp,value" (timestamps in BacktestLayout at a regular
// step, which it infers from the first two rows; non-negative counts) and writes
// "timestamp,value,anomaly_score,alert" to w: the score of each row computed only from the rows up to it,
// and alert=1 on the rows where a new alert opens. It runs the same Detector as the Tracker, with its step
// set to the series' step. Missing rows (a gap that is a whole number of steps) count as zero and are not
// written. Errors name the line of the input.
func Backtest(r io.Reader, w io.Writer, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("backtest: %w", err)
	}
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	bw := bufio.NewWriter(w)
	var (
		det  *Detector
		prev time.Time
		step time.Duration
		line int
		buf  []byte
	)
	type row struct {
		t     time.Time
		value string
		x     float64
	}
	var pending *row // the first row waits for the second to learn the step
	emit := func(rw row) {
		res := det.Step(rw.t, rw.x)
		alert := byte('0')
		if res.Opened {
			alert = '1'
		}
		buf = buf[:0]
		buf = append(buf, rw.t.Format(BacktestLayout)...)
		buf = append(buf, ',')
		buf = append(buf, rw.value...)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, res.Score, 'f', 4, 64)
		buf = append(buf, ',', alert, '\n')
		bw.Write(buf)
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			return fmt.Errorf("backtest: %w", err)
		}
		if line == 1 {
			if len(rec) != 2 || strings.TrimPrefix(strings.TrimSpace(rec[0]), "\ufeff") != "timestamp" || strings.TrimSpace(rec[1]) != "value" {
				return fmt.Errorf("backtest: line 1: header must be \"timestamp,value\", got %q", strings.Join(rec, ","))
			}
			bw.WriteString("timestamp,value,anomaly_score,alert\n")
			continue
		}
		if len(rec) != 2 {
			return fmt.Errorf("backtest: line %d: want 2 fields (timestamp,value), got %d", line, len(rec))
		}
		t, err := time.Parse(BacktestLayout, strings.TrimSpace(rec[0]))
		if err != nil {
			return fmt.Errorf("backtest: line %d: timestamp %q: want the layout %q", line, rec[0], BacktestLayout)
		}
		value := strings.TrimSpace(rec[1])
		x, err := strconv.ParseFloat(value, 64)
		if err != nil || x < 0 || math.IsInf(x, 0) || math.IsNaN(x) {
			return fmt.Errorf("backtest: line %d: value %q: want a non-negative number", line, rec[1])
		}
		switch {
		case pending == nil && det == nil:
			pending = &row{t, value, x}
			prev = t
			continue
		case det == nil:
			step = t.Sub(prev)
			if step <= 0 {
				return fmt.Errorf("backtest: line %d: timestamp %s does not follow %s", line, t.Format(BacktestLayout), prev.Format(BacktestLayout))
			}
			if det, err = NewDetector(cfg, step); err != nil {
				return fmt.Errorf("backtest: %w", err)
			}
			emit(*pending)
			pending = nil
		default:
			gap := t.Sub(prev)
			if gap <= 0 || gap%step != 0 {
				return fmt.Errorf("backtest: line %d: timestamp %s is not a whole number of steps (%s) after %s",
					line, t.Format(BacktestLayout), step, prev.Format(BacktestLayout))
			}
			if gap/step > maxBacktestGap {
				return fmt.Errorf("backtest: line %d: gap of %s after %s is longer than %d steps", line, gap, prev.Format(BacktestLayout), maxBacktestGap)
			}
			for m := prev.Add(step); m.Before(t); m = m.Add(step) {
				det.Step(m, 0)
			}
		}
		emit(row{t, value, x})
		prev = t
	}
	if line == 0 {
		return errors.New("backtest: empty input: want a header \"timestamp,value\" and rows")
	}
	if pending != nil {
		// A single row has no step; score it as a one-minute series, which is all that can be said.
		det, _ = NewDetector(cfg, time.Minute) // cfg was validated above
		emit(*pending)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("backtest: write: %w", err)
	}
	return nil
}
