package spike

import (
	"math"
	"time"
)

// sentimentDetector watches a brand's negative share per minute against its usual share, whatever the
// volume does: a binomial z-score of the negative mentions of each window given the total mentions.
type sentimentDetector struct {
	cfg     *Config
	windows []int
	alpha   float64
	// negSum and totSum are exponentially decayed sums: their ratio is the usual negative share, and totSum
	// how many mentions it rests on.
	negSum, totSum float64
	hist           ring[sentCell]
	ep             episode
}

type sentCell struct {
	start           time.Time
	total, negative float64
}

func newSentimentDetector(cfg *Config) *sentimentDetector {
	ws := stepsOf(cfg.Sentiment.Windows, time.Minute)
	return &sentimentDetector{cfg: cfg, windows: ws, alpha: halfLifeAlpha(time.Minute, cfg.Sentiment.HalfLife),
		hist: newRing[sentCell](ws[len(ws)-1])}
}

// share is the usual negative share, shrunk towards 1/5 while little history backs it.
func (s *sentimentDetector) share() float64 { return (s.negSum + 1) / (s.totSum + 5) }

func (s *sentimentDetector) step(c sentCell) (verdict, transition) {
	s.hist.push(c)
	v := s.evaluate(nil)
	tr := s.ep.step(v, c.start, c.start.Add(time.Minute), s.cfg.Hold, s.cfg.UpdateEvery)
	weight := 1.0
	if s.ep.open {
		weight = s.cfg.OpenLearn
	}
	// Learn the usual share from winsorised negatives, so a crisis is not learned as normal.
	p := s.share()
	neg := math.Min(c.negative, p*c.total+s.cfg.ClipZ*math.Sqrt(c.total*p*(1-p))+1)
	decay := 1 - s.alpha*weight
	s.negSum = s.negSum*decay + neg*weight
	s.totSum = s.totSum*decay + c.total*weight
	return v, tr
}

func (s *sentimentDetector) peek(tail []sentCell) (verdict, transition) {
	v := s.evaluate(tail)
	if len(tail) == 0 {
		return v, noChange
	}
	return v, s.ep.peek(v, tail[len(tail)-1].start)
}

func (s *sentimentDetector) addLate(stepsAgo int, negative bool) {
	if stepsAgo < 0 || stepsAgo >= s.hist.len() {
		return
	}
	c := s.hist.at(stepsAgo)
	c.total++
	if negative {
		c.negative++
	}
}

func (s *sentimentDetector) evaluate(tail []sentCell) verdict {
	v := verdict{calm: true}
	if s.totSum < s.cfg.Sentiment.MinHistory {
		return v
	}
	p := s.share()
	sc := &s.cfg.Sentiment
	total := len(tail) + s.hist.len()
	var n, neg float64
	wi, first := 0, true
	for i := 0; i < total && wi < len(s.windows); i++ {
		var c *sentCell
		if i < len(tail) {
			c = &tail[len(tail)-1-i]
		} else {
			c = s.hist.at(i - len(tail))
		}
		if !s.ep.fresh(c.start) {
			break
		}
		n += c.total
		neg += c.negative
		if i+1 != s.windows[wi] {
			continue
		}
		wi++
		if n == 0 {
			continue
		}
		e := p * n
		z := (neg - e) / math.Sqrt(n*p*(1-p)+sq(s.cfg.Overdispersion*e))
		delta := neg/n - p
		if z >= s.cfg.CloseZ && delta >= sc.MinDelta/2 {
			v.calm = false
		}
		score := min(gate(z/sc.OpenZ), gate(delta/sc.MinDelta), gate(neg/sc.MinCount))
		if first || score > v.score {
			first = false
			v.score, v.observed, v.expected, v.statistic = score, neg, e, z
			v.start, v.window = c.start, time.Duration(i+1)*time.Minute
			v.severity = SeverityWarning
			switch {
			case delta >= 2*sc.MinDelta && neg >= 4*sc.MinCount:
				v.severity = SeverityCritical
			case delta >= 1.5*sc.MinDelta:
				v.severity = SeverityMajor
			}
		}
	}
	v.pass = v.score >= 0.5
	return v
}

func sq(x float64) float64 { return x * x }
