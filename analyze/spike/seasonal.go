package spike

import (
	"math"
	"time"
)

// seasonal is the expected count per step: a multiplicative Holt-Winters model, level × hour-of-day
// profile × day-of-week factor, learned online from winsorised counts so that spikes and outliers barely
// move it. Until one full season of history exists it falls back to a plain moving level ("cold").
type seasonal struct {
	step      time.Duration
	loc       *time.Location
	useDaily  bool // the step is short enough for an hour-of-day profile
	useWeekly bool // … for a day-of-week factor
	initAfter int  // steps of history before the seasonal model replaces the cold level

	aLevel, aDaily, aWeekly, aCold float64
	rho, coldRho, clipZ            float64

	n      int // steps learned
	warm   bool
	cold   float64 // moving level of raw counts, used while not warm
	level  float64 // de-seasonalised count per step
	daily  [24]float64
	weekly [7]float64
	// dailyN and weeklyN count the (weighted) updates of each bin: a bin averages all its updates until
	// that average is longer than its half-life, so that young profiles converge as fast as data allows.
	dailyN  [24]float64
	weeklyN [7]float64
	// hourSum and hourN accumulate the first season to initialise the profile.
	hourSum, hourN [24]float64
	lastDay        int // day number of the last update, to renormalise the profiles once a day
}

func newSeasonal(cfg *Config, step time.Duration, loc *time.Location) seasonal {
	s := seasonal{
		step: step, loc: loc,
		useDaily:  step <= time.Hour,
		useWeekly: step <= 24*time.Hour,
		aLevel:    halfLifeAlpha(step, cfg.LevelHalfLife),
		// A profile bin learns from one hour (one day) per day (week): its half-life counts in those updates.
		aDaily:  halfLifeAlpha(step, cfg.DailyHalfLife/24),
		aWeekly: halfLifeAlpha(step, cfg.WeeklyHalfLife/7),
		aCold:   halfLifeAlpha(step, cfg.ColdHalfLife),
		rho:     cfg.Overdispersion, coldRho: cfg.ColdOverdispersion, clipZ: cfg.ClipZ,
		lastDay: -1,
	}
	season := 10 * step
	switch {
	case s.useDaily:
		season = 24 * time.Hour
	case s.useWeekly:
		season = 7 * 24 * time.Hour
	}
	s.initAfter = int(season / step)
	for i := range s.daily {
		s.daily[i] = 1
	}
	for i := range s.weekly {
		s.weekly[i] = 1
		// A day-of-week factor starts as if it had seen a day at 1, so that its first noisy minutes do
		// not swing it (the level absorbs the day's offset meanwhile).
		s.weeklyN[i] = float64(24 * time.Hour / step)
	}
	return s
}

// dailyPos returns the two hour-of-day bins around the middle of the step starting at t and the weight of
// the second: the profile is interpolated so that it has no steps at the hour.
func (s *seasonal) dailyPos(t time.Time) (i0, i1 int, frac float64) {
	lt := t.Add(s.step / 2).In(s.loc)
	h := float64(lt.Hour()) + float64(lt.Minute())/60 + float64(lt.Second())/3600 - 0.5
	if h < 0 {
		h += 24
	}
	i0 = int(h)
	return i0 % 24, (i0 + 1) % 24, h - float64(i0)
}

func (s *seasonal) factors(t time.Time) (d, w float64) {
	d, w = 1, 1
	if s.useDaily {
		i0, i1, f := s.dailyPos(t)
		d = s.daily[i0]*(1-f) + s.daily[i1]*f
	}
	if s.useWeekly {
		w = s.weekly[int(t.Add(s.step/2).In(s.loc).Weekday())]
	}
	return d, w
}

// expected is the expected count of the step starting at t, with its relative uncertainty.
func (s *seasonal) expected(t time.Time) (e, rho float64) {
	if !s.warm {
		return s.cold, s.coldRho
	}
	d, w := s.factors(t)
	return s.level * d * w, s.rho
}

// clip winsorises x at e ± clipZ standard deviations; the +1 keeps integer counts of quiet series from
// being clipped below their own mean.
func (s *seasonal) clip(x, e, rho float64) float64 {
	sd := math.Sqrt(e + rho*rho*e*e)
	return math.Min(math.Max(x, e-s.clipZ*sd), e+s.clipZ*sd+1)
}

// learn updates the model with count x of the step starting at t. weight scales learning (lower while
// an alert is open, so a crisis does not become the new normal).
func (s *seasonal) learn(t time.Time, x, weight float64) {
	s.n++
	if !s.warm {
		a := math.Max(s.aCold, 1/float64(s.n))
		if s.n > 10 {
			x = s.clip(x, s.cold, s.coldRho)
		}
		s.cold += a * weight * (x - s.cold)
		if s.useDaily {
			i0, i1, f := s.dailyPos(t)
			if f >= 0.5 {
				i0 = i1 // the bin whose centre is nearest
			}
			s.hourSum[i0] += x
			s.hourN[i0]++
		} else {
			s.hourSum[0] += x
			s.hourN[0]++
		}
		if s.n >= s.initAfter {
			s.initProfile()
		}
		return
	}
	e, rho := s.expected(t)
	x = s.clip(x, e, rho) * weight
	e *= weight
	d, w := s.factors(t)
	level := s.level
	s.level += s.aLevel * (x/math.Max(d*w, 1e-6) - e/math.Max(d*w, 1e-6))
	if s.level < 0 {
		s.level = 0
	}
	if level > 1e-9 {
		if s.useDaily {
			i0, i1, f := s.dailyPos(t)
			r := x/(level*w) - e/(level*w) // residual of the interpolated profile, scaled by weight
			s.dailyN[i0] += (1 - f) * weight
			s.dailyN[i1] += f * weight
			s.daily[i0] = math.Max(s.daily[i0]+math.Max(s.aDaily, 1/s.dailyN[i0])*(1-f)*r, 0.01)
			s.daily[i1] = math.Max(s.daily[i1]+math.Max(s.aDaily, 1/s.dailyN[i1])*f*r, 0.01)
		}
		if s.useWeekly {
			wd := int(t.Add(s.step / 2).In(s.loc).Weekday())
			s.weeklyN[wd] += weight
			s.weekly[wd] = math.Max(s.weekly[wd]+math.Max(s.aWeekly, 1/s.weeklyN[wd])*(x-e)/(level*d), 0.01)
		}
	}
	if day := int(t.Unix() / 86400); day != s.lastDay {
		s.lastDay = day
		s.renormalise()
	}
}

// initProfile turns the first season into level and hour-of-day profile, shrinking each hour towards the
// mean so that a quiet brand's noisy first day does not become its profile.
func (s *seasonal) initProfile() {
	var sum, n float64
	for i := range s.hourSum {
		sum += s.hourSum[i]
		n += s.hourN[i]
	}
	s.warm = true
	if n == 0 || sum == 0 {
		s.level = s.cold
		return
	}
	m := sum / n
	s.level = m
	if s.useDaily {
		k := float64(time.Hour/s.step) / 10 // pseudo-steps at the mean
		for i := range s.daily {
			s.daily[i] = (s.hourSum[i] + k*m) / ((s.hourN[i] + k) * m)
			s.dailyN[i] = s.hourN[i] + k
		}
		s.renormalise()
	}
}

// renormalise keeps the profiles at mean 1, moving their scale into the level: the expected count is
// unchanged, and level stays the mean rate that other code can read.
func (s *seasonal) renormalise() {
	var md, mw float64
	for _, v := range s.daily {
		md += v / 24
	}
	for _, v := range s.weekly {
		mw += v / 7
	}
	if md <= 0 || mw <= 0 {
		return
	}
	for i := range s.daily {
		s.daily[i] /= md
	}
	for i := range s.weekly {
		s.weekly[i] /= mw
	}
	s.level *= md * mw
}
